import type { Failure } from '@autopilot/contracts';

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, factor: 4, maxMs: 30 * 60_000 };

export interface FailedRunFacts {
  readonly taskId: string;
  /** Runs started for the task so far, the failed one included. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Error signatures of the task's failed runs, oldest first, the run that just failed last. */
  readonly signatures: readonly string[];
  readonly now: number;
  readonly backoff?: BackoffPolicy;
}

export type RetryDecision =
  | { readonly action: 'retry'; readonly notBefore: number; readonly delayMs: number }
  | { readonly action: 'fail'; readonly failure: Failure };

/**
 * After a failed run: retry after an exponential backoff (base × factor^(attempts − 1), capped),
 * unless the last two runs failed with the same signature (loop guard: a third identical attempt
 * would only spend money) or the attempts are used up. The task then fails, and its dependants
 * stay blocked.
 */
export function decideAfterFailure(facts: FailedRunFacts): RetryDecision {
  const [previous, last] = facts.signatures.slice(-2);
  if (previous !== undefined && previous === last) {
    return {
      action: 'fail',
      failure: { code: 'MANAGER_SAME_FAILURE_TWICE', message: `same failure twice: ${last}` },
    };
  }
  if (facts.attempts >= facts.maxAttempts) {
    return {
      action: 'fail',
      failure: {
        code: 'MANAGER_ATTEMPTS_EXHAUSTED',
        message: `failed ${facts.attempts} of ${facts.maxAttempts} attempts; last: ${last ?? 'no signature'}`,
      },
    };
  }
  const { baseMs, factor, maxMs } = facts.backoff ?? DEFAULT_BACKOFF;
  const delayMs = Math.min(maxMs, baseMs * factor ** Math.max(0, facts.attempts - 1));
  return { action: 'retry', notBefore: facts.now + delayMs, delayMs };
}
