import { PlanFailedError } from './plan-failure';

/**
 * The whole run's time limit: `race` settles with the work or rejects with PLAN_TIMEOUT naming the
 * step it was waiting on, so the command never hangs.
 */
export class PlanDeadline {
  private step = 'starting the ingestion and planner services';
  private timer: NodeJS.Timeout | undefined;
  private readonly expired: Promise<never>;
  private interrupted: ((err: PlanFailedError) => void) | undefined;

  constructor(readonly timeoutMs: number) {
    this.expired = new Promise<never>((_, reject) => {
      this.interrupted = reject;
      this.timer = setTimeout(() => {
        reject(
          new PlanFailedError(
            'PLAN_TIMEOUT',
            `timed out after ${timeoutMs / 1000} s while ${this.step} (raise it with --timeout <seconds>)`,
            false,
          ),
        );
      }, timeoutMs);
    });
    // Nobody may be racing when it fires (the work already failed): never an unhandled rejection.
    this.expired.catch(() => undefined);
  }

  race<T>(step: string, work: Promise<T>): Promise<T> {
    this.step = step;
    return Promise.race([work, this.expired]);
  }

  /** Ends whatever is being raced now with PLAN_INTERRUPTED (SIGINT): the caller cleans up and leaves. */
  interrupt(): void {
    clearTimeout(this.timer);
    this.interrupted?.(new PlanFailedError('PLAN_INTERRUPTED', `interrupted while ${this.step}`, false));
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
