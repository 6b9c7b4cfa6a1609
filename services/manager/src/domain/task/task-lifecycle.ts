import type { TaskStatus } from '@autopilot/contracts';
import { IllegalTaskTransitionError } from './task-errors';

/**
 * The task lifecycle of DESIGN.md section 5 as a table: from each status, where it may go.
 *
 * - `blocked → ready` once every dependency succeeded; `ready → blocked` when a plan revision adds
 *   a dependency that has not.
 * - `ready → awaiting_approval`: semi_auto asks before dispatching a task that is not low-risk;
 *   `awaiting_approval → ready` when approved (the tick then dispatches it within the limits),
 *   `awaiting_approval → queued` when a suspended run is resumed.
 * - `running → awaiting_approval`: the run suspended for an approval or budget.
 * - `running → ready`: the run failed and a retry waits for its backoff.
 * - `running → queued`: the run's lease lapsed and it was requeued under a new fencing token.
 * - `queued → failed`: the run ended before a worker started it (max run time, refused dispatch).
 * - Terminal statuses reopen only to `blocked`/`ready`: `manager.retry_task` (failed, cancelled),
 *   or a plan revision that changed the task's spec (any terminal status).
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  blocked: ['ready', 'skipped', 'cancelled'],
  ready: ['blocked', 'queued', 'awaiting_approval', 'skipped', 'cancelled'],
  queued: ['running', 'failed', 'cancelled'],
  running: ['queued', 'awaiting_approval', 'ready', 'succeeded', 'failed', 'cancelled'],
  awaiting_approval: ['ready', 'queued', 'failed', 'skipped', 'cancelled'],
  succeeded: ['blocked', 'ready'],
  failed: ['blocked', 'ready'],
  skipped: ['blocked', 'ready'],
  cancelled: ['blocked', 'ready'],
};

/** Statuses in which a task has finished for now: nothing runs and nothing will until it reopens. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

/** Statuses in which a run of the task is in flight (or waits for a person, holding its place). */
export const IN_FLIGHT_TASK_STATUSES: readonly TaskStatus[] = ['queued', 'running', 'awaiting_approval'];

export interface TaskRef {
  readonly id: string;
  readonly status: TaskStatus;
  /** A gate has no work of its own: it goes `ready → succeeded` as soon as it is ready. */
  readonly gate?: boolean;
}

export function canTransitionTask(task: TaskRef, to: TaskStatus): boolean {
  if (task.gate && task.status === 'ready' && to === 'succeeded') return true;
  return TASK_TRANSITIONS[task.status].includes(to);
}

/**
 * Checks one move of the task lifecycle and returns the new status.
 * @throws IllegalTaskTransitionError naming the task, from and to, when the lifecycle forbids it
 *   (a move to the same status included: callers treat a replay as a no-op before asking).
 */
export function transitionTask(task: TaskRef, to: TaskStatus): TaskStatus {
  if (!canTransitionTask(task, to)) throw new IllegalTaskTransitionError(task.id, task.status, to);
  return to;
}

export const isTerminalTask = (status: TaskStatus): boolean => TERMINAL_TASK_STATUSES.includes(status);
