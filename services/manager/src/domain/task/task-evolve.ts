import type { Task, TaskStatus } from '@autopilot/contracts';
import { transitionTask } from './task-lifecycle';

/**
 * The task in `to`, stamped with `now` and its revision + 1 (event-carried state: readers keep the
 * highest revision).
 * @throws IllegalTaskTransitionError when the lifecycle forbids the move.
 */
export function moveTask(task: Task, to: TaskStatus, now: string, changes: Partial<Task> = {}): Task {
  const status = transitionTask(task, to);
  return { ...task, ...changes, status, updatedAt: now, revision: task.revision + 1 };
}
