import { SpanStatusCode } from '@opentelemetry/api';
import { systemTimers, type IdSource, type Timers } from '@autopilot/kernel';
import { ATTR_AUTOPILOT_COST_USD, withSpan } from '@autopilot/telemetry';
import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import {
  eventually,
  FakeClock,
  startScriptedModel,
  type ModelScript,
  type ScriptedModel,
} from '@autopilot/testing';
import type {
  BudgetAdmission,
  BudgetReservation,
  BudgetReservationRef,
  BudgetReservationRequest,
} from './budget-admission';
import { ModelClient, type ModelCallRequest, type ModelClientOptions } from './model-client';
import {
  ContextLengthExceededError,
  ModelAuthError,
  ModelBudgetRefusedError,
  ModelCallCancelledError,
  ModelProviderError,
} from './model-client-errors';
import { verifyModelAccess } from './verify-model-access';
import { toolProblemAnswer, type ModelMessage, type ModelToolDefinition } from './model-messages';
import { compactConversation } from './context-compactor';
import { tiktokenCounter } from './token-counter';
import { ModelRouter, singleModelRouting } from './model-router';
import {
  BudgetUnknownModelError,
  priceFor,
  usageCostMicros,
  worstCaseCostMicros,
  type TokenUsage,
} from './pricing';

const API_KEY = 'sk-scripted-0123456789-do-not-leak';
const PRICES = {
  'scripted-mini': { inputUsdPerMillion: 1, cachedInputUsdPerMillion: 0.25, outputUsdPerMillion: 4 },
  'scripted-large': { inputUsdPerMillion: 5, cachedInputUsdPerMillion: 1, outputUsdPerMillion: 20 },
};
const router = new ModelRouter({
  roles: {
    ...singleModelRouting('scripted-mini').roles,
    worker_code: { cheap: 'scripted-mini', strong: 'scripted-large' },
  },
});

const TOOLS: ModelToolDefinition[] = [
  {
    name: 'view_file',
    description: 'Shows numbered lines of a file.',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
];
const MESSAGES: ModelMessage[] = [
  { role: 'system', content: 'You fix code. Use the tools.' },
  { role: 'user', content: 'Task: make add() in src/math.ts handle negative numbers.' },
];

/** Every reservation, settlement and release, in order; refuses when told to. */
class RecordingAdmission implements BudgetAdmission {
  readonly log: (
    | ({ op: 'reserve' } & BudgetReservationRequest)
    | ({ op: 'settle'; actualUsd: number; usage: TokenUsage } & BudgetReservationRef)
    | ({ op: 'release' } & BudgetReservationRef)
  )[] = [];
  refusal: Extract<BudgetReservation, { granted: false }> | undefined;

  reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    this.log.push({ op: 'reserve', ...request });
    return Promise.resolve(this.refusal ?? { granted: true, reservationId: request.reservationId });
  }
  settle(r: BudgetReservationRef & { actualUsd: number; usage: TokenUsage }): Promise<void> {
    this.log.push({ op: 'settle', ...r });
    return Promise.resolve();
  }
  release(r: BudgetReservationRef): Promise<void> {
    this.log.push({ op: 'release', ...r });
    return Promise.resolve();
  }
  ops(): string[] {
    return this.log.map((e) => e.op);
  }
}

/** Timers whose waits between attempts are recorded and end at once; attempt timeouts run on `base`. */
function recordingTimers(base: Pick<Timers, 'after' | 'every'> = systemTimers): Timers & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    after: (ms, fn) => base.after(ms, fn),
    every: (ms, fn) => base.every(ms, fn),
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  };
}

const counting = (): IdSource => {
  let n = 0;
  return { next: () => `res-${++n}` };
};

describe('ModelClient against the scripted OpenAI-compatible server', () => {
  let tracing: MemoryTracing;
  let model: ScriptedModel | undefined;
  /** Everything the client produced that could carry the key: errors, admission records, completions. */
  const outputs: unknown[] = [];

  beforeAll(() => {
    tracing = installMemoryTracing();
  });
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });
  afterAll(async () => {
    // The key was sent to the server (authorization header) but never appears in what came back out.
    const spans = tracing.spans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      status: s.status,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    }));
    const text = JSON.stringify([spans, outputs.map(describeAll)]);
    expect(spans.length).toBeGreaterThan(0);
    expect(text).not.toContain(API_KEY);
    await tracing.shutdown();
  });

  function describeAll(value: unknown): unknown {
    if (value instanceof Error) return { message: value.message, stack: value.stack, json: { ...value } };
    return value;
  }

  async function setUp(
    script: ModelScript,
    overrides: Partial<ModelClientOptions> = {},
  ): Promise<{
    client: ModelClient;
    admission: RecordingAdmission;
    timers: ReturnType<typeof recordingTimers>;
  }> {
    model = await startScriptedModel(script);
    const admission = new RecordingAdmission();
    const timers = recordingTimers();
    const client = new ModelClient({
      provider: { baseURL: model.baseURL, apiKey: API_KEY, name: 'scripted', timeoutMs: 30_000 },
      router,
      priceTable: PRICES,
      admission,
      timers,
      clock: new FakeClock(),
      ids: counting(),
      random: () => 0.5,
      retry: { baseDelayMs: 100 },
      ...overrides,
    });
    outputs.push(admission.log, client);
    return { client, admission, timers };
  }

  const call = (extra: Partial<ModelCallRequest> = {}): ModelCallRequest => ({
    role: 'worker_code',
    messages: MESSAGES,
    tools: TOOLS,
    maxTokens: 1_000,
    projectId: 'p1',
    runId: 'run-1',
    taskId: 'task-1',
    purpose: 'worker_code step 1',
    ...extra,
  });

  async function failure(p: Promise<unknown>): Promise<Error> {
    const err = await p.then(
      () => new Error('expected a rejection'),
      (e: unknown) => e as Error,
    );
    outputs.push(err);
    return err;
  }

  it('reserves the worst case, answers with tool calls, settles the reported usage, and records one span', async () => {
    const { client, admission } = await setUp({
      turns: [
        { text: 'Reading it first.', toolCalls: [{ name: 'view_file', arguments: { path: 'src/math.ts' } }] },
      ],
    });
    const before = tracing.spans().length;
    const answer = await withSpan('run', {}, () => client.complete(call()));
    outputs.push(answer);

    expect(answer).toMatchObject({
      requestedModel: 'scripted-mini',
      responseModel: 'scripted-mini',
      text: 'Reading it first.',
      finishReason: 'tool_calls',
      attempts: 1,
      usageReported: true,
      toolCalls: [{ name: 'view_file', arguments: { path: 'src/math.ts' } }],
    });
    expect(answer.message).toEqual({
      role: 'assistant',
      content: 'Reading it first.',
      toolCalls: answer.toolCalls,
    });
    const [sent] = model!.calls;
    expect(sent!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent!.body).toMatchObject({ model: 'scripted-mini', max_tokens: 1_000 });
    expect(sent!.body.tools?.map((t) => t.function.name)).toEqual(['view_file']);

    // The estimate is the tokenizer's count of the request: the same count the server bills.
    const [reserve, settle] = admission.log;
    expect(admission.ops()).toEqual(['reserve', 'settle']);
    expect(reserve).toMatchObject({
      op: 'reserve',
      projectId: 'p1',
      runId: 'run-1',
      taskId: 'task-1',
      model: 'scripted-mini',
      maxTokens: 1_000,
    });
    const estimate = reserve as BudgetReservationRequest;
    expect(estimate.inputTokens).toBe(sent!.promptTokens);
    const price = priceFor(PRICES, 'scripted-mini');
    expect(estimate.estimateUsd).toBe(
      worstCaseCostMicros(price, {
        inputTokens: estimate.inputTokens,
        cachedInputTokens: 0,
        maxOutputTokens: 1_000,
      }) / 1e6,
    );
    expect(answer.usage).toEqual({
      inputTokens: sent!.promptTokens,
      cachedInputTokens: 0,
      outputTokens: answer.usage.outputTokens,
    });
    expect(answer.usage.outputTokens).toBeGreaterThan(5);
    expect(settle).toMatchObject({
      op: 'settle',
      reservationId: 'res-1',
      usage: answer.usage,
      actualUsd: answer.costUsd,
    });
    expect(answer.costUsd).toBe(usageCostMicros(price, answer.usage) / 1e6);
    expect(answer.costUsd).toBeLessThan(estimate.estimateUsd);

    const [span, run] = tracing.spans().slice(before);
    expect(span!.name).toBe('chat scripted-mini');
    expect(span!.parentSpanContext?.spanId).toBe(run!.spanContext().spanId);
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'scripted',
      'gen_ai.request.model': 'scripted-mini',
      'gen_ai.response.model': 'scripted-mini',
      'gen_ai.usage.input_tokens': sent!.promptTokens,
      'gen_ai.usage.output_tokens': answer.usage.outputTokens,
      [ATTR_AUTOPILOT_COST_USD]: answer.costUsd,
      'autopilot.project_id': 'p1',
      'autopilot.run_id': 'run-1',
      'autopilot.model.attempts': 1,
    });
  });

  it('routes to the strong model after repeated failures', async () => {
    const { client } = await setUp({ fallback: { text: 'ok' } });
    await client.complete(call({ routing: { failures: 2 } }));
    await client.complete(call({ routing: { failures: 0, lastConfidence: 0.9 } }));
    expect(model!.calls.map((c) => c.body.model)).toEqual(['scripted-large', 'scripted-mini']);
  });

  it('honours Retry-After in seconds and as an HTTP date on a 429', async () => {
    const clock = new FakeClock();
    const { client, admission, timers } = await setUp({ fallback: { text: 'ok' } }, { clock });
    model!.failNext({ kind: 'rate_limit', retryAfter: '2' });
    model!.failNext({ kind: 'rate_limit', retryAfter: new Date(clock.now() + 7_000).toUTCString() });
    const answer = await client.complete(call());
    expect(answer.attempts).toBe(3);
    expect(timers.slept).toEqual([2_000, 7_000]);
    expect(model!.calls.map((c) => c.answered)).toEqual([
      { fault: 'rate_limit' },
      { fault: 'rate_limit' },
      { turn: 1 },
    ]);
    expect(admission.ops()).toEqual(['reserve', 'settle']); // one hold for the whole call
  });

  it('retries 500 and 503 with exponential backoff and jitter', async () => {
    const { client, timers } = await setUp({ fallback: { text: 'ok' } });
    model!.failNext({ kind: 'server_error' });
    model!.failNext({ kind: 'server_error', status: 503 });
    model!.failNext({ kind: 'rate_limit' }); // no Retry-After: backoff too
    expect((await client.complete(call())).attempts).toBe(4);
    // base 100 ms doubling, half fixed and half jitter (0.5 here): 75, 150, 300.
    expect(timers.slept).toEqual([75, 150, 300]);
  });

  it('gives up past the retry limit, releases the reservation and marks the span failed', async () => {
    const { client, admission } = await setUp({ fallback: { text: 'ok' } });
    model!.failNext({ kind: 'server_error', status: 503 }, 10);
    const before = tracing.spans().length;
    const err = await failure(client.complete(call()));
    expect(err).toBeInstanceOf(ModelProviderError);
    expect(err).toMatchObject({ code: 'MODEL_PROVIDER_FAILED', status: 503, attempts: 4, retryable: true });
    expect(model!.calls).toHaveLength(4);
    expect(admission.ops()).toEqual(['reserve', 'release']);
    const [span] = tracing.spans().slice(before);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({
      'error.type': 'MODEL_PROVIDER_FAILED',
      [ATTR_AUTOPILOT_COST_USD]: 0,
    });
    expect(span!.events.filter((e) => e.name === 'gen_ai.retry')).toHaveLength(4);
  });

  it('abandons an attempt that hangs past the timeout (on the fake clock) and retries it', async () => {
    const clock = new FakeClock();
    const timers = recordingTimers(clock);
    const { client, admission } = await setUp({ fallback: { text: 'ok after a hang' } }, { timers, clock });
    model!.failNext({ kind: 'hang' });
    const pending = client.complete(call());
    await eventually(() => expect(model!.calls).toHaveLength(1));
    await clock.advanceAsync(30_000);
    const answer = await pending;
    expect(answer).toMatchObject({ text: 'ok after a hang', attempts: 2 });
    expect(timers.slept).toHaveLength(1);
    expect(admission.ops()).toEqual(['reserve', 'settle']);
  });

  it('surfaces a context-length error as ContextLengthExceededError, unretried and released', async () => {
    const { client, admission } = await setUp({ fallback: { text: 'ok' }, contextWindow: 60 });
    const err = await failure(client.complete(call()));
    expect(err).toBeInstanceOf(ContextLengthExceededError);
    expect(err).toMatchObject({ code: 'MODEL_CONTEXT_LENGTH_EXCEEDED', model: 'scripted-mini' });
    expect(err.message).toMatch(/maximum context length is 60 tokens/);
    expect(model!.calls).toHaveLength(1);
    expect(admission.ops()).toEqual(['reserve', 'release']);
    // Injected on demand as well.
    model!.failNext({ kind: 'context_length' });
    expect(
      await failure(client.complete(call({ messages: MESSAGES.slice(0, 1), tools: [] }))),
    ).toBeInstanceOf(ContextLengthExceededError);
  });

  it('passes malformed tool-call JSON and unknown tools through as tool calls with a problem', async () => {
    const { client, admission } = await setUp({
      turns: [
        {
          toolCalls: [
            { name: 'view_file', arguments: '{"path": "src/math.ts"', id: 'c1' },
            { name: 'delete_everything', arguments: {}, id: 'c2' },
            { name: 'view_file', arguments: '["src/math.ts"]', id: 'c3' },
          ],
        },
      ],
    });
    const answer = await client.complete(call());
    expect(answer.toolCalls).toEqual([
      {
        id: 'c1',
        name: 'view_file',
        argumentsJson: '{"path": "src/math.ts"',
        problem: {
          kind: 'malformed_arguments',
          message: expect.stringMatching(/^The arguments of view_file are not valid JSON/),
        },
      },
      {
        id: 'c2',
        name: 'delete_everything',
        argumentsJson: '{}',
        problem: {
          kind: 'unknown_tool',
          message: 'There is no tool named "delete_everything". The tools are: view_file.',
        },
      },
      {
        id: 'c3',
        name: 'view_file',
        argumentsJson: '["src/math.ts"]',
        problem: {
          kind: 'malformed_arguments',
          message: 'The arguments of view_file must be a JSON object.',
        },
      },
    ]);
    // The call was billed like any other; the caller answers each problem as the tool's result.
    expect(admission.ops()).toEqual(['reserve', 'settle']);
    expect(answer.toolCalls.map(toolProblemAnswer)[1]).toEqual({
      role: 'tool',
      toolCallId: 'c2',
      content: 'Error: There is no tool named "delete_everything". The tools are: view_file.',
    });
  });

  it('turns 401 into a typed, unretried ModelAuthError without the key (the server echoes it)', async () => {
    const { client, admission } = await setUp({ fallback: { text: 'ok' } });
    model!.failNext({ kind: 'unauthorized' });
    const err = await failure(client.complete(call()));
    expect(err).toBeInstanceOf(ModelAuthError);
    expect(err).toMatchObject({ code: 'MODEL_AUTH_FAILED', status: 401 });
    expect(err.message).toContain('Incorrect API key provided: [redacted]');
    expect(model!.calls).toHaveLength(1);
    expect(admission.ops()).toEqual(['reserve', 'release']);
  });

  it('does not call the model when the budget refuses, and names the cap', async () => {
    const { client, admission } = await setUp({ fallback: { text: 'ok' } });
    admission.refusal = { granted: false, reason: 'the daily cap would be passed', scope: 'daily' };
    const err = await failure(client.complete(call()));
    expect(err).toBeInstanceOf(ModelBudgetRefusedError);
    expect(err).toMatchObject({ code: 'MODEL_BUDGET_REFUSED', scope: 'daily' });
    expect(err.message).toMatch(/refused by the daily cap: the daily cap would be passed/);
    expect(model!.calls).toHaveLength(0);
    expect(admission.ops()).toEqual(['reserve']);
  });

  it('refuses a model missing from the price table before reserving anything', async () => {
    const { client, admission } = await setUp({ fallback: { text: 'ok' } });
    const err = await failure(client.complete(call({ model: 'gpt-unpriced' })));
    expect(err).toBeInstanceOf(BudgetUnknownModelError);
    expect(admission.log).toEqual([]);
    expect(model!.calls).toHaveLength(0);
  });

  it('releases the reservation when the caller cancels during a wait', async () => {
    const abort = new AbortController();
    const timers: Timers = { ...systemTimers, sleep: () => (abort.abort(), Promise.resolve()) };
    const { client, admission } = await setUp({ fallback: { text: 'ok' } }, { timers });
    model!.failNext({ kind: 'server_error' });
    const err = await failure(client.complete(call({ signal: abort.signal })));
    expect(err).toBeInstanceOf(ModelCallCancelledError);
    expect(model!.calls).toHaveLength(1);
    expect(admission.ops()).toEqual(['reserve', 'release']);
  });

  it('answers from a rule matching the last tool result', async () => {
    const { client } = await setUp({
      turns: [{ toolCalls: [{ name: 'view_file', arguments: { path: 'a.ts' }, id: 'v1' }] }],
      rules: [{ lastToolResultContains: 'FAIL', answer: { text: 'The tests fail; fixing.' } }],
    });
    const first = await client.complete(call());
    const second = await client.complete(
      call({
        messages: [
          ...MESSAGES,
          first.message,
          { role: 'tool', toolCallId: 'v1', content: 'FAIL src/math.test.ts' },
        ],
      }),
    );
    expect(second.text).toBe('The tests fail; fixing.');
    // The assistant's tool call went back to the provider in OpenAI's shape.
    expect(model!.calls[1]!.body.messages[2]!.tool_calls).toEqual([
      { id: 'v1', type: 'function', function: { name: 'view_file', arguments: '{"path":"a.ts"}' } },
    ]);
  });
  it('is answered by compacting the conversation when the context window is exceeded', async () => {
    const { client } = await setUp({ fallback: { text: 'fixed' }, contextWindow: 1_000 });
    const messages: ModelMessage[] = [...MESSAGES];
    for (let i = 0; i < 6; i++) {
      const id = `v${i}`;
      messages.push({
        role: 'assistant',
        content: null,
        toolCalls: [{ id, name: 'view_file', argumentsJson: JSON.stringify({ path: `src/f${i}.ts` }) }],
      });
      messages.push({ role: 'tool', toolCallId: id, content: `export const line${i} = ${i};\n`.repeat(20) });
    }
    const err = await failure(client.complete(call({ messages })));
    expect(err).toBeInstanceOf(ContextLengthExceededError);
    const compacted = compactConversation(messages, tiktokenCounter, { budgetTokens: 900, tools: TOOLS });
    expect(compacted.withinBudget).toBe(true);
    const answer = await client.complete(call({ messages: compacted.messages }));
    expect(answer.text).toBe('fixed');
    expect(model!.calls[1]!.promptTokens).toBe(compacted.tokens);
  });

  it('returns a billed answer even when the budget cannot be told its cost, and says so', async () => {
    const { client, admission } = await setUp({ fallback: { text: 'ok' } });
    admission.settle = () => Promise.reject(new Error('governance did not answer'));
    const before = tracing.spans().length;
    const answer = await client.complete(call());
    expect(answer).toMatchObject({ text: 'ok', settled: false });
    const [span] = tracing.spans().slice(before);
    expect(span!.attributes['autopilot.budget.settled']).toBe(false);
    expect(span!.events.map((e) => e.name)).toContain('autopilot.budget.settle_failed');
  });

  it('verifies access before any money is spent: a listed key passes, a refused one names the status, never the key', async () => {
    model = await startScriptedModel({ apiKey: API_KEY });
    const provider = { baseURL: model.baseURL, apiKey: API_KEY, timeoutMs: 5_000 };
    await expect(verifyModelAccess(provider, 'gpt-x')).resolves.toBeUndefined();
    await model.close();
    model = await startScriptedModel({ apiKey: 'the-only-key-it-takes' });
    const refused = await verifyModelAccess({ ...provider, baseURL: model.baseURL }, 'gpt-x').catch(
      (err: unknown) => err,
    );
    outputs.push(refused);
    expect(refused).toBeInstanceOf(ModelAuthError);
    expect((refused as Error).message).toMatch(/^model gpt-x: the provider refused the API key \(HTTP 401\)/);
    // Refused before any chat call; the server said the key back in full, and the error holds none of it.
    expect(model!.calls).toEqual([]);
    expect(model!.refusedKeys).toBe(1);
    expect((refused as Error).message).toContain('[redacted]');
    // Nobody listening: said plainly, as no answer.
    const url = model!.baseURL;
    await model!.close();
    model = undefined;
    const unreachable = await verifyModelAccess({ ...provider, baseURL: url }, 'gpt-x').catch(
      (err: unknown) => err,
    );
    outputs.push(unreachable);
    expect(unreachable).toBeInstanceOf(ModelProviderError);
    expect((unreachable as Error).message).toContain(`could not reach ${url}`);
  });
});
