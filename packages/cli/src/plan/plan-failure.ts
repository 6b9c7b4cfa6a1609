import { AutopilotError } from '@autopilot/kernel';
import { PLAN_BASE_MISSING } from './held-plan-revisions';

/**
 * Why `autopilot plan` produced no plan. `badInput`: the blueprint or repository itself must change
 * (exit 2); otherwise something failed or took too long while running (exit 1).
 */
export class PlanFailedError extends AutopilotError {
  readonly code: string;
  constructor(
    code: string,
    message: string,
    readonly badInput: boolean,
  ) {
    super(message);
    this.code = code;
  }
}

/**
 * A job's failure (`JobEvents.failed`) as PlanFailedError, its message after `prefix`. Ingestion
 * fails a job for its input (the blueprint, the repository: exit 2); a plan announced against a base
 * this process does not hold is this process's own failure (exit 1).
 */
export function jobFailed(failed: { code: string; message: string }, prefix = ''): PlanFailedError {
  return new PlanFailedError(failed.code, `${prefix}${failed.message}`, failed.code !== PLAN_BASE_MISSING);
}
