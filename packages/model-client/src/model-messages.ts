import type { TokenUsage } from './pricing';

/** One message of a conversation, in the provider-neutral shape callers build. */
export type ModelMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | {
      readonly role: 'assistant';
      readonly content: string | null;
      readonly toolCalls?: readonly ModelToolCall[];
    }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** A tool the model may call: its name, what it does, and its arguments as JSON Schema. */
export interface ModelToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/**
 * A tool call as the model made it. The model's argument text is kept as sent (`argumentsJson`, what
 * goes back in the conversation); `arguments` is its parse when that gave a JSON object. When the
 * model named a tool it was not offered or sent arguments that are not a JSON object, `problem`
 * says so: the caller answers the model with a tool error instead of running anything.
 */
export interface ModelToolCall {
  readonly id: string;
  readonly name: string;
  readonly argumentsJson: string;
  readonly arguments?: Readonly<Record<string, unknown>>;
  readonly problem?: ModelToolCallProblem;
}

export interface ModelToolCallProblem {
  readonly kind: 'malformed_arguments' | 'unknown_tool';
  /** A sentence fit to send back to the model as the tool's result. */
  readonly message: string;
}

/** The roles that ask for a model (ModelRouter maps each to a cheap and a strong model). */
export const ModelRole = {
  workerCode: 'worker_code',
  workerTest: 'worker_test',
  workerDocs: 'worker_docs',
  doctor: 'doctor',
  plannerRefine: 'planner_refine',
} as const;
export type ModelRole = (typeof ModelRole)[keyof typeof ModelRole];
export const MODEL_ROLES: readonly ModelRole[] = Object.values(ModelRole);

/** What one answered call produced. */
export interface ModelCompletion {
  /** The model asked for. */
  readonly requestedModel: string;
  /** The model the provider says answered (may name a snapshot of the requested one). */
  readonly responseModel: string;
  /** The assistant's message, ready to append to the conversation. */
  readonly message: Extract<ModelMessage, { role: 'assistant' }>;
  readonly text: string | null;
  readonly toolCalls: readonly ModelToolCall[];
  /** The provider's reason for stopping, e.g. `stop`, `tool_calls`, `length`. */
  readonly finishReason: string;
  /** The provider's reported usage (estimated with the tokenizer when it reported none). */
  readonly usage: TokenUsage;
  /** Whether `usage` came from the provider (false: counted here because it sent none). */
  readonly usageReported: boolean;
  /** `usage` at the price table's price, in US dollars. */
  readonly costUsd: number;
  /** HTTP attempts this call took (1 without retries). */
  readonly attempts: number;
  /**
   * False when the budget could not be told what the call cost (its settle request failed): the
   * reservation then stays held at the worst case until the budget expires it.
   */
  readonly settled: boolean;
}

/**
 * The answer to send back for a tool call the model got wrong (an unknown tool, arguments that are
 * not a JSON object), as that tool's result; undefined for a call that can run.
 */
export function toolProblemAnswer(call: ModelToolCall): Extract<ModelMessage, { role: 'tool' }> | undefined {
  return call.problem
    ? { role: 'tool', toolCallId: call.id, content: `Error: ${call.problem.message}` }
    : undefined;
}
