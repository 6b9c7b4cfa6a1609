import { AutopilotError } from '@autopilot/kernel';
import type { TaskStatus } from '@autopilot/contracts';

/** A task was asked to move between two states DESIGN.md section 5 does not connect. */
export class IllegalTaskTransitionError extends AutopilotError {
  readonly code = 'MANAGER_ILLEGAL_TASK_TRANSITION';
  constructor(
    readonly taskId: string,
    readonly from: TaskStatus,
    readonly to: TaskStatus,
    readonly why?: string,
  ) {
    super(`task ${taskId}: illegal transition ${from} → ${to}${why ? ` (${why})` : ''}`);
  }
}
