import { AutopilotError } from '@autopilot/kernel';

/** A task graph the manager cannot schedule: a duplicate id, a missing dependency or a cycle. */
export class TaskGraphError extends AutopilotError {
  readonly code = 'MANAGER_INVALID_TASK_GRAPH';
  constructor(
    readonly taskId: string,
    readonly problem: string,
  ) {
    super(`task ${taskId} ${problem}`);
  }
}
