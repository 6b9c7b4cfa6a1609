import type { PlanRejectedV1 } from '@autopilot/contracts';
import type { AutopilotError } from '@autopilot/kernel';

/** The blueprint version a rejection is of. */
export interface RejectedSource {
  readonly projectId: string;
  readonly blueprintId: string;
  readonly blueprintVersion: number;
}

/** The `plan.rejected` payload saying why `source` gets no plan announced (the message bounded). */
export function planRejection(
  source: RejectedSource,
  err: AutopilotError,
  rejectedAt: string,
): PlanRejectedV1 {
  return {
    projectId: source.projectId,
    blueprintId: source.blueprintId,
    blueprintVersion: source.blueprintVersion,
    error: { code: err.code, message: err.message.slice(0, 2000) },
    rejectedAt,
  };
}
