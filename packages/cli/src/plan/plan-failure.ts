import { AutopilotError } from '@autopilot/kernel';

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
