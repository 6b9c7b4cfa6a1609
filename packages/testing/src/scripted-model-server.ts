import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

/** One message of a chat-completions request, as the scripted server received it. */
export interface ScriptedRequestMessage {
  role?: string;
  /** The text (assistant messages that only call tools send null; it is kept as sent). */
  content: string;
  tool_call_id?: string;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}

/** One chat-completions request as the scripted server received it. */
export interface ScriptedModelCall {
  path: string;
  authorization: string | undefined;
  body: {
    model: string;
    messages: ScriptedRequestMessage[];
    tools?: { type: string; function: { name: string } }[];
    max_tokens?: number;
  };
  /** The request body exactly as sent (what a leak test searches). */
  raw: string;
  /** Prompt tokens counted from the request (what the answer reports as `prompt_tokens`). */
  promptTokens: number;
  /** What the server did: the scripted turn it answered (1-based), or the fault it injected. */
  answered: { turn: number } | { fault: ScriptedFault['kind'] };
}

/** A tool call of a scripted answer. `arguments` as a string is sent as is (e.g. malformed JSON). */
export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown> | string;
  id?: string;
}

/** What the model answers on one turn: a text, tool calls, or both. */
export interface ScriptedAnswer {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  /** Answer this turn with an HTTP error of this status and message instead (OpenAI's error shape). */
  httpError?: { status: number; message: string };
}

/** A provider failure, as a real OpenAI-compatible server produces it. */
export type ScriptedFault =
  /** 429 with `Retry-After` (seconds, e.g. "2", or an HTTP date), as rate limits answer. */
  | { kind: 'rate_limit'; retryAfter?: string }
  /** A 5xx with OpenAI's `server_error` body. Default 500. */
  | { kind: 'server_error'; status?: 500 | 502 | 503 }
  /** No answer at all until the client gives up (or the server closes). */
  | { kind: 'hang' }
  /** 400 `context_length_exceeded`, OpenAI's shape. */
  | { kind: 'context_length' }
  /** 401 `invalid_api_key`; the message echoes the key it got, as some proxies do. */
  | { kind: 'unauthorized' };

/** A rule answering by what the last tool result of the conversation contains. */
export interface ScriptedRule {
  lastToolResultContains: string;
  answer: ScriptedAnswer | ((call: ScriptedModelCall) => ScriptedAnswer);
}

/**
 * A model's script. Each request that is not failed by an injected fault is a turn: the rules are
 * tried first (the first whose text the last tool result contains answers), else turn n answers
 * with `turns[n-1]`, else with `fallback` (default: a text saying the script ran out).
 */
export interface ModelScript {
  turns?: (ScriptedAnswer | ((call: ScriptedModelCall) => ScriptedAnswer))[];
  rules?: ScriptedRule[];
  fallback?: ScriptedAnswer | ((call: ScriptedModelCall) => ScriptedAnswer);
  /** Prompts above this many tokens get `context_length_exceeded`, as a real model's window. */
  contextWindow?: number;
  /** The one API key it accepts; any other gets 401 `invalid_api_key`, as a provider answers. Default: any. */
  apiKey?: string;
}

export interface ScriptedModel {
  /** `http://127.0.0.1:<port>/v1`: give it as OPENAI_BASE_URL. */
  baseURL: string;
  /** Every request, in arrival order (faulted ones included). */
  calls: ScriptedModelCall[];
  /** The next `times` requests fail with `fault` (queued after faults already waiting). */
  failNext(fault: ScriptedFault, times?: number): void;
  /** Turns answered so far. */
  readonly turns: number;
  /** Requests refused because they did not carry the script's `apiKey` (any path, models list included). */
  readonly refusedKeys: number;
  /** Stops the server; hanging requests are cut. */
  close(): Promise<void>;
}

/** What the scripted server calls itself wherever a real provider would name itself. */
export const SCRIPTED_FINGERPRINT = 'scripted';

let encoder: Tiktoken | undefined;
function countTokens(text: string): number {
  encoder ??= new Tiktoken(o200kBase);
  return text.length === 0 ? 0 : encoder.encode(text, [], []).length;
}

/** Prompt tokens the way OpenAI bills chat: each message plus framing, three to prime the answer, the tools. */
function promptTokensOf(body: ScriptedModelCall['body']): number {
  let total = 3;
  for (const m of body.messages) {
    total += 3 + countTokens(m.role ?? '') + countTokens(m.content ?? '') + countTokens(m.tool_call_id ?? '');
    for (const c of m.tool_calls ?? [])
      total += 3 + countTokens(c.function.name) + countTokens(c.function.arguments);
  }
  if (body.tools && body.tools.length > 0) {
    total += countTokens(JSON.stringify(body.tools.map((t) => t.function)));
  }
  return total;
}

/**
 * An OpenAI-compatible Chat Completions server on a free loopback port that answers from a script,
 * reports the usage a real provider would (prompt tokens counted from the request, completion tokens
 * from the answer) and injects each provider fault on demand. It is labelled as scripted: every
 * answer says `system_fingerprint: "scripted"` and names the model `scripted:<requested>`.
 */
export async function startScriptedModel(script: ModelScript): Promise<ScriptedModel> {
  // The encoder takes a moment to build: built now, not inside the first request a client is timing.
  countTokens('scripted');
  const calls: ScriptedModelCall[] = [];
  const faults: ScriptedFault[] = [];
  const hanging = new Set<ServerResponse>();
  let turns = 0;
  let refusedKeys = 0;

  const answerOf = (call: ScriptedModelCall): ScriptedAnswer => {
    const lastTool = [...call.body.messages].reverse().find((m) => m.role === 'tool');
    const rule =
      lastTool === undefined
        ? undefined
        : script.rules?.find((r) => (lastTool.content ?? '').includes(r.lastToolResultContains));
    const chosen = rule?.answer ??
      script.turns?.[turns - 1] ??
      script.fallback ?? { text: `[scripted model: the script has no turn ${turns}]` };
    return typeof chosen === 'function' ? chosen(call) : chosen;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (script.apiKey !== undefined && key !== script.apiKey) {
      refusedKeys++;
      // The whole key echoed, as some proxies do: what a leak test needs the client to cut out.
      sendError(res, 401, {
        message: `Incorrect API key provided: ${key}. (scripted)`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
      return;
    }
    // The model list, as OpenAI-compatible servers answer `GET /v1/models` (clients check access with it).
    if (req.method === 'GET' && /\/models\/?$/.test(req.url ?? '')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ id: SCRIPTED_FINGERPRINT, object: 'model', created: 0, owned_by: 'scripted' }],
        }),
      );
      return;
    }
    let body: ScriptedModelCall['body'];
    try {
      body = JSON.parse(raw) as ScriptedModelCall['body'];
    } catch {
      sendError(res, 400, { message: 'the body is not JSON', type: 'invalid_request_error', code: null });
      return;
    }
    const promptTokens = promptTokensOf(body);
    const call = {
      path: req.url ?? '',
      authorization: req.headers.authorization,
      body,
      raw,
      promptTokens,
    } as ScriptedModelCall;
    calls.push(call);
    let fault = faults.shift();
    if (!fault && script.contextWindow !== undefined && promptTokens > script.contextWindow) {
      fault = { kind: 'context_length' };
    }
    if (fault) {
      call.answered = { fault: fault.kind };
      injectFault(res, fault, call, script.contextWindow ?? 8192, hanging);
      return;
    }
    turns++;
    call.answered = { turn: turns };
    const answer = answerOf(call);
    if (answer.httpError) {
      const { status, message } = answer.httpError;
      sendError(res, status, {
        message,
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        code: null,
      });
      return;
    }
    const toolCalls = (answer.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `call_scripted_${turns}_${i + 1}`,
      type: 'function',
      function: {
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
    const completionTokens =
      countTokens(answer.text ?? '') +
      toolCalls.reduce((n, c) => n + countTokens(c.function.name) + countTokens(c.function.arguments), 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-scripted-${calls.length}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: body.model.startsWith(SCRIPTED_FINGERPRINT)
          ? body.model
          : `${SCRIPTED_FINGERPRINT}:${body.model}`,
        system_fingerprint: SCRIPTED_FINGERPRINT,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: answer.text ?? null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: answer.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
          },
        ],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          prompt_tokens_details: { cached_tokens: 0 },
        },
      }),
    );
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    calls,
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    get turns() {
      return turns;
    },
    get refusedKeys() {
      return refusedKeys;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        hanging.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; code: string | null; param?: string | null },
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { param: null, ...error } }));
}

function injectFault(
  res: ServerResponse,
  fault: ScriptedFault,
  call: ScriptedModelCall,
  contextWindow: number,
  hanging: Set<ServerResponse>,
): void {
  switch (fault.kind) {
    case 'rate_limit':
      sendError(
        res,
        429,
        {
          message: 'Rate limit reached for requests (scripted). Please try again later.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
      );
      return;
    case 'server_error':
      sendError(res, fault.status ?? 500, {
        message: 'The server had an error while processing your request (scripted).',
        type: 'server_error',
        code: null,
      });
      return;
    case 'hang':
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    case 'context_length':
      sendError(res, 400, {
        message: `This model's maximum context length is ${contextWindow} tokens. However, your messages resulted in ${call.promptTokens} tokens. Please reduce the length of the messages.`,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      });
      return;
    case 'unauthorized':
      sendError(res, 401, {
        message: `Incorrect API key provided: ${(call.authorization ?? '').replace(/^Bearer /, '')}. (scripted)`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
      return;
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(never)}`);
    }
  }
}

/** The scripted server the planner's tests started with: its old interface, on startScriptedModel. */
export interface ScriptedModelServer {
  /** `http://127.0.0.1:<port>/v1`: give it as OPENAI_BASE_URL. */
  baseURL: string;
  calls: ScriptedModelCall[];
  close(): Promise<void>;
}

/**
 * A scripted server answering every request with what `answer` returns for the user message (the
 * second message): a text, or with `status` an HTTP error whose message is `content`.
 */
export async function scriptedModelServer(
  answer: (userMessage: string) => { status?: number; content: string },
): Promise<ScriptedModelServer> {
  const model = await startScriptedModel({
    fallback: (call) => {
      const { status = 200, content } = answer(call.body.messages[1]?.content ?? '');
      return status === 200 ? { text: content } : { httpError: { status, message: content } };
    },
  });
  return { baseURL: model.baseURL, calls: model.calls, close: () => model.close() };
}
