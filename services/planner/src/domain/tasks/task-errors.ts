import { AutopilotError } from '@autopilot/kernel';

/** A task in a named cycle. */
export interface CycleMember {
  readonly taskId: string;
  readonly planNodeId: string;
  readonly title: string;
}

/**
 * The task graph has a dependency cycle, so no order can run it. `cycle` lists it in order, each
 * member depending on the next and the last on the first; the message closes the loop:
 * `A (task-1) → B (task-2) → A (task-1)`, read "A depends on B, which depends on A".
 */
export class DependencyCycleError extends AutopilotError {
  readonly code = 'PLANNER_DEPENDENCY_CYCLE';
  constructor(readonly cycle: readonly CycleMember[]) {
    const loop = [...cycle, cycle[0]!].map((m) => `${m.title} (${m.taskId})`).join(' → ');
    super(`dependency cycle (each depends on the next): ${loop}`);
  }
}

/** A task would depend on more tasks than a task spec may list (500). */
export class TaskGraphLimitError extends AutopilotError {
  readonly code = 'PLANNER_TASK_GRAPH_LIMIT';
  constructor(
    readonly taskId: string,
    readonly title: string,
    readonly dependencies: number,
    readonly limit: number,
  ) {
    super(`task "${title}" (${taskId}) would depend on ${dependencies} tasks; at most ${limit} are allowed`);
  }
}
