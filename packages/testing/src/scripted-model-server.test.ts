import { scriptedModelServer, startScriptedModel, type ScriptedModel } from './scripted-model-server';

/** What the server answers: a completion, or an error (the fields a test reads). */
interface ChatReply {
  model?: string;
  system_fingerprint?: string;
  choices: { message: { content: string | null; tool_calls?: unknown[] }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  error: { message: string; code: string | null; type: string; param?: string | null };
}

/** A chat-completions request over real HTTP, as any OpenAI-compatible client sends it. */
async function chat(baseURL: string, messages: unknown[], extra: Record<string, unknown> = {}) {
  const res = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-key' },
    body: JSON.stringify({ model: 'gpt-x', messages, ...extra }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as ChatReply };
}

const task = [
  { role: 'system', content: 'You fix code.' },
  { role: 'user', content: 'Fix add().' },
];

describe('startScriptedModel', () => {
  let model: ScriptedModel;
  afterEach(() => model.close());

  it('answers turns in order, labelled scripted, with usage counted from the request and the answer', async () => {
    model = await startScriptedModel({
      turns: [
        { text: 'Looking.', toolCalls: [{ name: 'view_file', arguments: { path: 'a.ts' } }] },
        { text: 'Done.' },
      ],
    });
    const first = await chat(model.baseURL, task);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      model: 'scripted:gpt-x',
      system_fingerprint: 'scripted',
      choices: [
        {
          message: {
            content: 'Looking.',
            tool_calls: [
              {
                id: 'call_scripted_1_1',
                type: 'function',
                function: { name: 'view_file', arguments: '{"path":"a.ts"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    const usage = first.body.usage as {
      prompt_tokens: number;
      completion_tokens: number;
      total_tokens: number;
    };
    expect(usage.prompt_tokens).toBe(model.calls[0]!.promptTokens);
    expect(usage.prompt_tokens).toBeGreaterThan(10);
    expect(usage.completion_tokens).toBeGreaterThan(3);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    // A longer prompt is billed more.
    const second = await chat(model.baseURL, [
      ...task,
      { role: 'user', content: 'And subtract() too, please.' },
    ]);
    expect(second.body.choices[0]!.message.content).toBe('Done.');
    expect(second.body.usage.prompt_tokens).toBeGreaterThan(usage.prompt_tokens);
    expect(model.calls.map((c) => c.answered)).toEqual([{ turn: 1 }, { turn: 2 }]);
  });

  it('answers by what the last tool result contains, before the turn order', async () => {
    model = await startScriptedModel({
      turns: [{ text: 'turn one' }],
      rules: [{ lastToolResultContains: 'Tests: 1 failed', answer: { text: 'a test fails' } }],
    });
    const withTool = [
      ...task,
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'run_command', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'Tests: 1 failed, 3 passed' },
    ];
    expect((await chat(model.baseURL, withTool)).body.choices[0]!.message.content).toBe('a test fails');
    expect((await chat(model.baseURL, task)).body.choices[0]!.message.content).toMatch(/no turn 2/);
  });

  it('injects each fault on demand, in OpenAI shapes, without using up a turn', async () => {
    model = await startScriptedModel({ turns: [{ text: 'finally' }] });
    model.failNext({ kind: 'rate_limit', retryAfter: '3' });
    model.failNext({ kind: 'server_error', status: 503 });
    model.failNext({ kind: 'context_length' });
    model.failNext({ kind: 'unauthorized' });
    const limited = await chat(model.baseURL, task);
    expect([limited.status, limited.headers.get('retry-after'), limited.body.error.code]).toEqual([
      429,
      '3',
      'rate_limit_exceeded',
    ]);
    const unavailable = await chat(model.baseURL, task);
    expect([unavailable.status, unavailable.body.error.type]).toEqual([503, 'server_error']);
    const tooLong = await chat(model.baseURL, task);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({
      code: 'context_length_exceeded',
      param: 'messages',
      type: 'invalid_request_error',
    });
    const refused = await chat(model.baseURL, task);
    expect([refused.status, refused.body.error.code]).toEqual([401, 'invalid_api_key']);
    const answered = await chat(model.baseURL, task);
    expect(answered.body.choices[0]!.message.content).toBe('finally');
    expect(model.turns).toBe(1);
  });

  it('holds a hanging request until the client gives up or the server closes', async () => {
    model = await startScriptedModel({ turns: [] });
    model.failNext({ kind: 'hang' });
    const abort = new AbortController();
    const pending = fetch(`${model.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: task }),
      signal: abort.signal,
    }).catch((e: unknown) => e);
    await new Promise<void>((resolve) => {
      const check = (): void => void (model.calls.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    abort.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });

  it('answers context_length_exceeded past its context window', async () => {
    model = await startScriptedModel({ fallback: { text: 'ok' }, contextWindow: 20 });
    const res = await chat(model.baseURL, [{ role: 'user', content: 'word '.repeat(50) }]);
    expect(res.body.error.message).toMatch(
      /maximum context length is 20 tokens\. However, your messages resulted in \d+ tokens/,
    );
  });
});

describe('scriptedModelServer (the answer-function form)', () => {
  it('answers with the function of the user message, or with an HTTP error', async () => {
    const server = await scriptedModelServer((user) =>
      user === 'fail' ? { status: 500, content: 'upstream broke' } : { content: `echo ${user}` },
    );
    try {
      expect(
        (
          await chat(server.baseURL, [
            { role: 'system', content: 's' },
            { role: 'user', content: 'hi' },
          ])
        ).body.choices[0]!.message.content,
      ).toBe('echo hi');
      const failed = await chat(server.baseURL, [
        { role: 'system', content: 's' },
        { role: 'user', content: 'fail' },
      ]);
      expect([failed.status, failed.body.error.message]).toEqual([500, 'upstream broke']);
      expect(server.calls.map((c) => c.authorization)).toEqual(['Bearer sk-test-key', 'Bearer sk-test-key']);
    } finally {
      await server.close();
    }
  });
});
