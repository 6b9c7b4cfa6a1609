import { AutopilotError } from '@autopilot/kernel';
import type { RunStatus } from '@autopilot/contracts';

/** A run was asked to move between two states DESIGN.md section 5 does not connect. */
export class IllegalRunTransitionError extends AutopilotError {
  readonly code = 'MANAGER_ILLEGAL_RUN_TRANSITION';
  constructor(
    readonly runId: string,
    readonly from: RunStatus,
    readonly to: RunStatus,
  ) {
    super(`run ${runId}: illegal transition ${from} → ${to}`);
  }
}
