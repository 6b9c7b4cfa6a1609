import type { Task } from '@autopilot/contracts';
import { dependencyOrder } from './dependency-order';
import { moveTask } from './task-evolve';

export interface ReadinessResult {
  /** Every task, in the input order, with its status brought up to date. */
  readonly tasks: Task[];
  /** The tasks whose status changed (each with revision + 1): the `task.updated` events to emit. */
  readonly changed: Task[];
}

/**
 * Brings `blocked`/`ready` up to date with the dependencies: ready exactly when every dependency
 * succeeded. A gate (no work of its own) that becomes ready succeeds at once, which can make its
 * dependants ready in the same pass: tasks are visited in dependency order. Other statuses are
 * left alone: a dependency that fails leaves its dependants blocked.
 * @throws TaskGraphError when the graph has a cycle or a dependency on no task.
 */
export function recomputeReadiness(tasks: readonly Task[], now: string): ReadinessResult {
  const current = new Map(tasks.map((t) => [t.id, t]));
  const changedIds = new Set<string>();
  for (const id of dependencyOrder(tasks)) {
    const task = current.get(id) as Task;
    if (task.status !== 'blocked' && task.status !== 'ready') continue;
    const met = task.dependsOn.every((dep) => current.get(dep)?.status === 'succeeded');
    let next = task;
    if (met && task.status === 'blocked') next = moveTask(task, 'ready', now);
    if (!met && task.status === 'ready') next = moveTask(task, 'blocked', now);
    if (met && task.gate) next = { ...moveTask(next, 'succeeded', now), revision: task.revision + 1 };
    if (next !== task) {
      current.set(id, next);
      changedIds.add(id);
    }
  }
  const result = tasks.map((t) => current.get(t.id) as Task);
  return { tasks: result, changed: result.filter((t) => changedIds.has(t.id)) };
}
