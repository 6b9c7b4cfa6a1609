import type OpenAI from 'openai';
import { providerMessageOf, withoutKey } from './provider-text';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { Span } from '@opentelemetry/api';
import type { Clock, IdSource, Timers } from '@autopilot/kernel';
import {
  ATTR_AUTOPILOT_COST_USD,
  ATTR_AUTOPILOT_PROJECT_ID,
  ATTR_AUTOPILOT_RUN_ID,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  withSpan,
} from '@autopilot/telemetry';
import type { BudgetAdmission } from './budget-admission';
import {
  ContextLengthExceededError,
  ModelAuthError,
  ModelBudgetRefusedError,
  ModelCallCancelledError,
  ModelProviderError,
} from './model-client-errors';
import type {
  ModelCompletion,
  ModelMessage,
  ModelRole,
  ModelToolCall,
  ModelToolDefinition,
} from './model-messages';
import type { ModelRouter, RoutingSignals } from './model-router';
import {
  microsToUsd,
  priceFor,
  usageCostMicros,
  worstCaseCostMicros,
  type ModelPrice,
  type PriceTableConfig,
  type TokenUsage,
} from './pricing';
import { tiktokenCounter, type TokenCounter } from './token-counter';

/** GenAI semantic-convention names beyond those @autopilot/telemetry already names. */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';

/** Which OpenAI-compatible server answers, and how long one HTTP attempt may take. */
export interface ModelProviderConfig {
  /** E.g. `http://127.0.0.1:11434/v1` (Ollama); unset: OpenAI's. */
  readonly baseURL?: string;
  /** Local servers take any key; unset sends a placeholder. Never logged, never in an error. */
  readonly apiKey?: string;
  /** What spans call the provider (`gen_ai.system`), e.g. `openai`, `ollama`, `vllm`. Default `openai`. */
  readonly name?: string;
  /** One HTTP attempt's limit; past it the attempt is abandoned and retried. */
  readonly timeoutMs: number;
}

/** How failed attempts the provider did not bill (429, 5xx, timeouts) are retried. */
export interface RetryPolicy {
  /** HTTP attempts per call at most, the first included. Default 4. */
  readonly maxAttempts: number;
  /** The first backoff; each retry doubles it, with jitter. Default 500. */
  readonly baseDelayMs: number;
  /** No backoff is longer. Default 30 000. */
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this ends the retries instead of waiting. Default 120 000. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export interface ModelClientOptions {
  readonly provider: ModelProviderConfig;
  readonly router: ModelRouter;
  readonly priceTable: PriceTableConfig;
  readonly admission: BudgetAdmission;
  /** Backoffs and attempt timeouts are scheduled here (a FakeClock in tests). */
  readonly timers: Timers;
  /** Reads "now" for an HTTP-date `Retry-After`. */
  readonly clock: Clock;
  /** Reservation ids. */
  readonly ids: IdSource;
  /** Backoff jitter in [0, 1). Default Math.random. */
  readonly random?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  readonly counter?: TokenCounter;
  /**
   * A model missing from the price table: `refuse` (default: no call without a price, as governance
   * does), or `free` for an explicitly unmetered caller whose local model has no price.
   */
  readonly unpricedModels?: 'refuse' | 'free';
}

/** One call: who asks, for what, and the conversation so far. */
export interface ModelCallRequest {
  readonly role: ModelRole;
  readonly messages: readonly ModelMessage[];
  readonly tools?: readonly ModelToolDefinition[];
  /** The most output the call may produce (and be billed for). */
  readonly maxTokens: number;
  readonly projectId: string;
  readonly runId?: string;
  readonly taskId?: string;
  /** What the call is for, e.g. `worker_code step 12`: the budget records it. */
  readonly purpose: string;
  /** What happened so far, for the router's cheap/strong choice. Ignored with `model`. */
  readonly routing?: RoutingSignals;
  /** A model chosen by the caller instead of the router's. */
  readonly model?: string;
  readonly temperature?: number;
  /** Ask for a JSON object as the answer (OpenAI `response_format`). */
  readonly json?: boolean;
  /** Aborting it cancels the call (and any wait between attempts); the reservation is released. */
  readonly signal?: AbortSignal;
}

/** A failed attempt, classified. */
type AttemptFailure =
  | {
      readonly kind: 'retry';
      readonly status: number | undefined;
      readonly message: string;
      readonly waitMs?: number;
    }
  | { readonly kind: 'final'; readonly error: Error };

/**
 * The one model client (STYLE.md section 12 rule 6): every call reserves its worst case through
 * BudgetAdmission, calls an OpenAI-compatible Chat Completions endpoint through the `openai` client
 * (its own retries off: this class retries, so every attempt is counted and timed here), records one
 * span with the GenAI attributes and `autopilot.cost_usd` as a child of the active trace, and
 * settles with the provider's reported usage, or releases the reservation when nothing was billed.
 * The API key stays inside: errors carry the provider's message with the key cut out and no cause.
 */
export class ModelClient {
  /** Made on the first call (see client()); until then the `openai` package is not loaded. */
  #client: OpenAI | undefined;
  /** The `openai` module's client class, once loaded: its error classes classify failed attempts. */
  #openai: typeof OpenAI | undefined;
  readonly #apiKey: string;
  readonly #providerName: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #counter: TokenCounter;
  readonly #random: () => number;

  constructor(private readonly options: ModelClientOptions) {
    const { provider } = options;
    // Local OpenAI-compatible servers take any key; the client insists on one.
    this.#apiKey = provider.apiKey ?? 'no-key';
    this.#providerName = provider.name ?? 'openai';
    this.#timeoutMs = provider.timeoutMs;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#counter = options.counter ?? tiktokenCounter;
    this.#random = options.random ?? Math.random;
  }

  /** Keeps the key out of anything printed: the openai client object would show it in a log. */
  toJSON(): { provider: string; baseURL: string } {
    // Before the first call, where the openai client will send it: the configured URL, else its
    // own default (OPENAI_BASE_URL, else OpenAI's).
    const baseURL =
      this.#client?.baseURL ??
      this.options.provider.baseURL ??
      process.env['OPENAI_BASE_URL'] ??
      'https://api.openai.com/v1';
    return { provider: this.#providerName, baseURL };
  }

  /**
   * The openai client, made on the first call: the package (~11 MB of modules) loads only in a
   * process that calls a model, not in every process that imports this one (`autopilot plan`
   * without a model imports the planner, which imports this).
   */
  private client(): OpenAI {
    if (this.#client) return this.#client;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
    const { default: OpenAIClient } = require('openai') as typeof import('openai');
    this.#openai = OpenAIClient;
    const { provider } = this.options;
    this.#client = new OpenAIClient({
      apiKey: this.#apiKey,
      ...(provider.baseURL !== undefined ? { baseURL: provider.baseURL } : {}),
      // A backstop only: each attempt's own limit is scheduled on `timers` (see attempt()).
      timeout: provider.timeoutMs * 2 + 1000,
      maxRetries: 0,
    });
    return this.#client;
  }

  /** Prompt tokens of a conversation as this client counts them (the reservation's input estimate). */
  countPrompt(messages: readonly ModelMessage[], tools?: readonly ModelToolDefinition[]): number {
    return this.#counter.countPrompt(messages, tools);
  }

  /**
   * One model call. Resolves with the assistant's message, its usage and cost. Rejects with
   * ModelBudgetRefusedError (not called), ContextLengthExceededError (compact and ask again),
   * ModelAuthError, ModelProviderError (after retries, or not retryable), ModelCallCancelledError,
   * or the price table's BudgetUnknownModelError; in each case nothing stays reserved.
   */
  async complete(request: ModelCallRequest): Promise<ModelCompletion> {
    const model = request.model ?? this.options.router.choose(request.role, request.routing).model;
    const inputTokens = this.#counter.countPrompt(request.messages, request.tools);
    const price = this.priceOf(model);
    const estimateUsd = price
      ? microsToUsd(
          worstCaseCostMicros(price, {
            inputTokens,
            cachedInputTokens: 0,
            maxOutputTokens: request.maxTokens,
          }),
        )
      : 0;
    const attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_SYSTEM]: this.#providerName,
      [ATTR_GEN_AI_PROVIDER_NAME]: this.#providerName,
      [ATTR_GEN_AI_REQUEST_MODEL]: model,
      [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: request.maxTokens,
      [ATTR_AUTOPILOT_PROJECT_ID]: request.projectId,
      'autopilot.model.role': request.role,
      'autopilot.model.estimated_input_tokens': inputTokens,
      'autopilot.budget.estimate_usd': estimateUsd,
      'autopilot.budget.unmetered': this.options.admission.unmetered === true,
      ...(request.runId !== undefined ? { [ATTR_AUTOPILOT_RUN_ID]: request.runId } : {}),
      ...(request.taskId !== undefined ? { 'autopilot.task_id': request.taskId } : {}),
    };
    return withSpan(`chat ${model}`, attributes, async (span) => {
      span.setAttribute(ATTR_AUTOPILOT_COST_USD, 0);
      const reservationId = this.options.ids.next();
      span.setAttribute('autopilot.budget.reservation_id', reservationId);
      const ref = {
        reservationId,
        projectId: request.projectId,
        ...(request.runId !== undefined ? { runId: request.runId } : {}),
      };
      const reservation = await this.options.admission.reserve({
        ...ref,
        ...(request.taskId !== undefined ? { taskId: request.taskId } : {}),
        purpose: request.purpose,
        model,
        estimateUsd,
        inputTokens,
        maxTokens: request.maxTokens,
      });
      if (!reservation.granted) {
        throw new ModelBudgetRefusedError(model, reservation.reason, reservation.scope, estimateUsd);
      }
      let answer: { completion: ChatCompletion; attempts: number };
      try {
        answer = await this.callWithRetries(model, request, inputTokens, span);
      } catch (err) {
        // Nothing was billed: a failed HTTP attempt, a timeout or a refusal is not charged.
        await this.options.admission.release(ref).catch((releaseError: unknown) => {
          // The hold stays until the budget expires it: over-counted, never under. The call's own
          // failure is what the caller needs to see.
          span.addEvent('autopilot.budget.release_failed', { 'error.type': errorType(releaseError) });
        });
        throw err;
      }
      const answered = this.completionOf(
        model,
        request,
        answer.completion,
        answer.attempts,
        inputTokens,
        price,
      );
      let settled = true;
      try {
        await this.options.admission.settle({ ...ref, actualUsd: answered.costUsd, usage: answered.usage });
      } catch (settleError) {
        // The provider billed and answered: throwing the answer away would make the caller pay for it
        // twice. The reservation (the worst case) stays held, so the budget is over-counted, not under.
        settled = false;
        span.addEvent('autopilot.budget.settle_failed', { 'error.type': errorType(settleError) });
      }
      const completion: ModelCompletion = { ...answered, settled };
      span.setAttributes({
        'autopilot.budget.settled': settled,
        [ATTR_GEN_AI_RESPONSE_MODEL]: completion.responseModel,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: completion.usage.inputTokens,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: completion.usage.outputTokens,
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [completion.finishReason],
        [ATTR_AUTOPILOT_COST_USD]: completion.costUsd,
        'autopilot.model.attempts': completion.attempts,
        'autopilot.model.usage_reported': completion.usageReported,
        'autopilot.model.tool_calls': completion.toolCalls.length,
      });
      return completion;
    });
  }

  private priceOf(model: string): ModelPrice | undefined {
    if (this.options.unpricedModels === 'free' && !Object.hasOwn(this.options.priceTable, model)) {
      return undefined;
    }
    return priceFor(this.options.priceTable, model);
  }

  private async callWithRetries(
    model: string,
    request: ModelCallRequest,
    inputTokens: number,
    span: Span,
  ): Promise<{ completion: ChatCompletion; attempts: number }> {
    const body = this.bodyOf(model, request);
    for (let attempt = 1; ; attempt++) {
      if (request.signal?.aborted) throw new ModelCallCancelledError(model);
      let failure: AttemptFailure;
      try {
        return { completion: await this.attempt(body, request.signal), attempts: attempt };
      } catch (err) {
        failure = this.classify(err, model, inputTokens, attempt, request.signal);
      }
      if (failure.kind === 'final') throw failure.error;
      span.addEvent('gen_ai.retry', {
        attempt,
        ...(failure.status !== undefined ? { 'http.response.status_code': failure.status } : {}),
      });
      if (attempt >= this.#retry.maxAttempts) {
        throw new ModelProviderError(model, failure.status, attempt, true, failure.message);
      }
      if (failure.waitMs !== undefined && failure.waitMs > this.#retry.maxRetryAfterMs) {
        throw new ModelProviderError(
          model,
          failure.status,
          attempt,
          true,
          `${failure.message} (the provider asks to wait ${Math.ceil(failure.waitMs / 1000)} s, more than the ${this.#retry.maxRetryAfterMs / 1000} s allowed)`,
        );
      }
      await this.options.timers.sleep(failure.waitMs ?? this.backoffMs(attempt), request.signal);
    }
  }

  /** One HTTP attempt, abandoned after the attempt timeout (scheduled on `timers`). */
  private async attempt(
    body: ChatCompletionCreateParamsNonStreaming,
    signal?: AbortSignal,
  ): Promise<ChatCompletion> {
    const client = this.client();
    const abort = new AbortController();
    const onCallerAbort = (): void => abort.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = this.options.timers.after(this.#timeoutMs, () => abort.abort(new AttemptTimeout()));
    try {
      return await client.chat.completions.create(body, { signal: abort.signal, maxRetries: 0 });
    } catch (err) {
      if (abort.signal.reason instanceof AttemptTimeout) throw abort.signal.reason;
      throw err;
    } finally {
      timer.cancel();
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Exponential backoff with equal jitter: half the doubled delay fixed, half random. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.#random());
  }

  private classify(
    err: unknown,
    model: string,
    inputTokens: number,
    attempt: number,
    signal: AbortSignal | undefined,
  ): AttemptFailure {
    if (err instanceof AttemptTimeout) {
      return { kind: 'retry', status: undefined, message: `no answer within ${this.#timeoutMs} ms` };
    }
    if (signal?.aborted) return { kind: 'final', error: new ModelCallCancelledError(model) };
    // Unset only when loading the openai package failed: that error is final, like any non-API one.
    const api = this.#openai;
    if (api && err instanceof api.APIConnectionError) {
      return { kind: 'retry', status: undefined, message: this.redact(`connection failed: ${err.message}`) };
    }
    if (!api || !(err instanceof api.APIError) || err.status === undefined) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown failure';
      return {
        kind: 'final',
        error: new ModelProviderError(model, undefined, attempt, false, this.redact(message)),
      };
    }
    const status = err.status;
    const message = this.providerMessage(err);
    const code = err.code ?? undefined;
    if (
      code === 'context_length_exceeded' ||
      (status === 400 && /maximum context length|context window/i.test(message))
    ) {
      return { kind: 'final', error: new ContextLengthExceededError(model, inputTokens, message) };
    }
    if (status === 401 || status === 403)
      return { kind: 'final', error: new ModelAuthError(model, status, message) };
    // A spent quota is a 429 that waiting does not cure.
    if (status === 429 && code === 'insufficient_quota') {
      return { kind: 'final', error: new ModelProviderError(model, status, attempt, false, message) };
    }
    if (status === 429 || status === 408 || status === 409 || status >= 500) {
      const waitMs = this.retryAfterMs(err.headers);
      return { kind: 'retry', status, message, ...(waitMs !== undefined ? { waitMs } : {}) };
    }
    return { kind: 'final', error: new ModelProviderError(model, status, attempt, false, message) };
  }

  /** `retry-after-ms` (OpenAI's), else `Retry-After` in seconds or as an HTTP date. */
  private retryAfterMs(headers: Headers | undefined): number | undefined {
    const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
    if (Number.isFinite(ms) && ms >= 0) return ms;
    const value = headers?.get('retry-after')?.trim();
    if (!value) return undefined;
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - this.options.clock.now());
  }

  private bodyOf(model: string, request: ModelCallRequest): ChatCompletionCreateParamsNonStreaming {
    const tools = request.tools ?? [];
    return {
      model,
      messages: request.messages.map(toOpenAiMessage),
      // `max_tokens`, not `max_completion_tokens`: every OpenAI-compatible server (Ollama, vLLM,
      // llama.cpp) reads it, and OpenAI's chat models still do.
      max_tokens: request.maxTokens,
      ...(tools.length > 0
        ? {
            tools: tools.map((t) => ({
              type: 'function' as const,
              function: { name: t.name, description: t.description, parameters: { ...t.parameters } },
            })),
          }
        : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
    };
  }

  private completionOf(
    model: string,
    request: ModelCallRequest,
    completion: ChatCompletion,
    attempts: number,
    inputTokens: number,
    price: ModelPrice | undefined,
  ): ModelCompletion {
    const choice = completion.choices[0];
    const text = choice?.message.content ?? null;
    const offered = new Set((request.tools ?? []).map((t) => t.name));
    const toolCalls: ModelToolCall[] = (choice?.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function'
        ? [toolCallOf(call.id, call.function.name, call.function.arguments, offered)]
        : [],
    );
    const reported = completion.usage;
    const usage: TokenUsage = reported
      ? {
          inputTokens: reported.prompt_tokens,
          cachedInputTokens: Math.min(
            reported.prompt_tokens_details?.cached_tokens ?? 0,
            reported.prompt_tokens,
          ),
          outputTokens: reported.completion_tokens,
        }
      : {
          // No usage reported (some local servers): count it, so the budget still sees the spend.
          inputTokens,
          cachedInputTokens: 0,
          outputTokens:
            this.#counter.count(text ?? '') +
            toolCalls.reduce(
              (n, c) => n + this.#counter.count(c.name) + this.#counter.count(c.argumentsJson),
              0,
            ),
        };
    const costUsd = price ? microsToUsd(usageCostMicros(price, usage)) : 0;
    return {
      requestedModel: model,
      responseModel: completion.model || model,
      message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
      text,
      toolCalls,
      finishReason: choice?.finish_reason ?? 'unknown',
      usage,
      usageReported: reported !== undefined,
      costUsd,
      attempts,
      settled: false,
    };
  }

  /** The provider's own message (its error body's when it sent one), without the key, bounded. */
  private providerMessage(err: InstanceType<typeof OpenAI.APIError>): string {
    return providerMessageOf(err, this.#apiKey);
  }

  private redact(text: string): string {
    return withoutKey(text, this.#apiKey);
  }
}

/** An error's code, else its class name, for a span attribute (never its message: it may quote input). */
function errorType(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown';
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}

/** The attempt's own time limit passed (told apart from a caller's cancel by its class). */
class AttemptTimeout extends Error {
  constructor() {
    super('attempt timed out');
  }
}

function toOpenAiMessage(m: ModelMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.argumentsJson },
              })),
            }
          : {}),
      };
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

function toolCallOf(
  id: string,
  name: string,
  argumentsJson: string,
  offered: ReadonlySet<string>,
): ModelToolCall {
  if (offered.size > 0 && !offered.has(name)) {
    return {
      id,
      name,
      argumentsJson,
      problem: {
        kind: 'unknown_tool',
        message: `There is no tool named ${JSON.stringify(name).slice(0, 100)}. The tools are: ${[...offered].join(', ')}.`,
      },
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsJson === '' ? '{}' : argumentsJson);
  } catch (err) {
    return {
      id,
      name,
      argumentsJson,
      problem: {
        kind: 'malformed_arguments',
        message: `The arguments of ${name} are not valid JSON (${(err as Error).message}). Send them again as one JSON object.`,
      },
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {
      id,
      name,
      argumentsJson,
      problem: { kind: 'malformed_arguments', message: `The arguments of ${name} must be a JSON object.` },
    };
  }
  return { id, name, argumentsJson, arguments: parsed as Record<string, unknown> };
}
