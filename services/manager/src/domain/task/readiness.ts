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

/**
 * What one task's success releases, without the rest of the graph: each blocked dependant whose
 * dependencies all succeeded becomes ready, and a gate among them succeeds at once, releasing its
 * own dependants in turn (as recomputeReadiness does over the whole graph, for this one change).
 * `dependantsOf` and `taskOf` read the graph as stored; the tasks changed so far take precedence.
 * Returns the changed tasks (each with revision + 1), in the order they changed.
 */
export async function releasedBySuccess(
  succeeded: Task,
  graph: {
    dependantsOf(taskIds: readonly string[]): Promise<readonly Task[]>;
    tasksById(taskIds: readonly string[]): Promise<ReadonlyMap<string, Task>>;
  },
  now: string,
): Promise<Task[]> {
  const current = new Map<string, Task>([[succeeded.id, succeeded]]);
  const changed: Task[] = [];
  let frontier: string[] = [succeeded.id];
  while (frontier.length > 0) {
    const byId = new Map((await graph.dependantsOf(frontier)).map((t) => [t.id, current.get(t.id) ?? t]));
    const dependants = [...byId.values()].filter((t) => t.status === 'blocked');
    const unknown = [...new Set(dependants.flatMap((t) => t.dependsOn))].filter((id) => !current.has(id));
    const stored = await graph.tasksById(unknown);
    const statusOf = (id: string): Task['status'] | undefined => (current.get(id) ?? stored.get(id))?.status;
    frontier = [];
    for (const task of dependants) {
      if (!task.dependsOn.every((dep) => statusOf(dep) === 'succeeded')) continue;
      let next = moveTask(task, 'ready', now);
      if (task.gate) {
        next = { ...moveTask(next, 'succeeded', now), revision: task.revision + 1 };
        frontier.push(task.id);
      }
      current.set(task.id, next);
      changed.push(next);
    }
  }
  return changed;
}
