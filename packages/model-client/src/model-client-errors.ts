import { AutopilotError } from '@autopilot/kernel';
import type { BudgetCapScope } from './budget-admission';

/**
 * The model client's failures. None carries the API key, the request body or a driver error as
 * `cause` (a driver error may hold request details): the provider's own message is kept only after
 * the key is cut out of it.
 */

/**
 * The conversation does not fit the model's context window (OpenAI `context_length_exceeded`). The
 * caller compacts the conversation (ContextCompactor) and asks again; nothing was billed.
 */
export class ContextLengthExceededError extends AutopilotError {
  readonly code = 'MODEL_CONTEXT_LENGTH_EXCEEDED';
  constructor(
    readonly model: string,
    readonly estimatedInputTokens: number,
    readonly providerMessage: string,
  ) {
    super(
      `model ${model}: the prompt (about ${estimatedInputTokens} tokens) exceeds its context window: ${providerMessage}`,
    );
  }
}

/** The provider refused the credentials (401/403): retrying cannot help; the configuration must change. */
export class ModelAuthError extends AutopilotError {
  readonly code = 'MODEL_AUTH_FAILED';
  constructor(
    readonly model: string,
    readonly status: number,
    readonly providerMessage: string,
  ) {
    super(`model ${model}: the provider refused the API key (HTTP ${status}): ${providerMessage}`);
  }
}

/** The budget refused the call's reservation: the model was not called. */
export class ModelBudgetRefusedError extends AutopilotError {
  readonly code = 'MODEL_BUDGET_REFUSED';
  constructor(
    readonly model: string,
    readonly reason: string,
    readonly scope: BudgetCapScope | undefined,
    readonly estimateUsd: number,
  ) {
    super(
      `model ${model}: a reservation of ${estimateUsd} USD was refused${scope ? ` by the ${scope} cap` : ''}: ${reason}`,
    );
  }
}

/**
 * The provider failed the call: a non-retryable answer (a 4xx other than auth and context length,
 * quota exhausted), or retryable failures (429, 5xx, timeouts, connection errors) past the retry
 * limit. `status` is the last HTTP status (undefined: no answer, e.g. a timeout).
 */
export class ModelProviderError extends AutopilotError {
  readonly code = 'MODEL_PROVIDER_FAILED';
  constructor(
    readonly model: string,
    readonly status: number | undefined,
    readonly attempts: number,
    readonly retryable: boolean,
    readonly providerMessage: string,
  ) {
    super(
      `model ${model}: ${status === undefined ? 'no answer' : `HTTP ${status}`} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${providerMessage}`,
    );
  }
}

/** The caller cancelled the call (its signal aborted); the reservation was released. */
export class ModelCallCancelledError extends AutopilotError {
  readonly code = 'MODEL_CALL_CANCELLED';
  constructor(readonly model: string) {
    super(`model ${model}: the call was cancelled`);
  }
}
