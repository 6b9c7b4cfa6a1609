import type { Run, Task, TaskStatus } from '@autopilot/contracts';
import { errorSignature } from '@autopilot/kernel';
import { decideAfterFailure, type RetryDecision } from '../loop-guard/retry-decision';
import type { RunNotes } from '../run/run-notes';
import { canTransitionTask } from './task-lifecycle';
import type { TaskNotes } from './task-notes';

/** The task after its run changed, with its notes; `retry` says what the loop guard decided. */
export interface TaskFollow {
  readonly task: Task;
  readonly notes: TaskNotes;
  readonly retry?: RetryDecision;
  /** The signature of the run that failed, for its notes. */
  readonly signature?: string;
}

/**
 * The task following its current run (a run that is no longer the task's current one moves
 * nothing: the task was replanned, cancelled or retried since):
 *
 * - run `running` → task `running`; run `pending` again (lease lapsed and requeued, or a suspended
 *   run resumed) → task `queued`;
 * - `suspended` → `awaiting_approval` (the run freed its worker);
 * - `succeeded` → `succeeded` with the run's branch (its dependants' readiness is the caller's);
 * - `failed` or `rolled_back` → decideAfterFailure with the run's error signature (its failure's
 *   message and the kind of its last failing step): back to `ready` with a not-before time, or
 *   `failed` ("same failure twice: …" or attempts used up), its dependants staying blocked;
 * - `cancelled` → `cancelled` (`manager.retry_task` reopens it).
 *
 * A queued task whose run reports past `running` goes through `running` on the way.
 * Returns undefined when the task does not move.
 */
export function taskAfterRun(
  task: Task,
  notes: TaskNotes,
  run: Run,
  runNotes: RunNotes,
  nowMs: number,
): TaskFollow | undefined {
  if (task.currentRunId !== run.id) return undefined;
  const now = new Date(nowMs).toISOString();
  /** The task moved to `to` (through `running` from `queued` where the lifecycle needs it), without its run. */
  const move = (to: TaskStatus, changes: Partial<Task> = {}, keepRun = false): Task | undefined => {
    if (task.status === to) return undefined;
    const from =
      task.status === 'queued' && !canTransitionTask(task, to)
        ? { ...task, status: 'running' as const }
        : task;
    if (!canTransitionTask(from, to)) return undefined;
    const { currentRunId: _, ...rest } = task;
    return {
      ...(keepRun ? task : rest),
      ...changes,
      status: to,
      updatedAt: now,
      revision: task.revision + 1,
    };
  };
  const follow = (t: Task | undefined, n: TaskNotes = notes): TaskFollow | undefined =>
    t ? { task: t, notes: n } : undefined;
  switch (run.status) {
    case 'running':
      return task.status === 'queued' ? follow(move('running', {}, true)) : undefined;
    case 'pending':
      // Requeued (lease lapsed), or a suspended run resumed after its approval or budget.
      return task.status === 'running' || task.status === 'awaiting_approval'
        ? follow(move('queued', {}, true))
        : undefined;
    case 'suspended':
      return follow(move('awaiting_approval', {}, true));
    case 'succeeded': {
      const t = move('succeeded', { branch: run.branch });
      if (!t) return undefined;
      const { failure: _, ...clean } = t;
      return { task: clean, notes: {} };
    }
    case 'cancelled':
      return follow(move('cancelled'));
    case 'failed':
    case 'rolled_back': {
      const message = run.failure?.message ?? `run ${run.status}`;
      const signature = errorSignature(message, runNotes.failedStepKind ?? 'unknown');
      const signatures = [...(notes.signatures ?? []), signature];
      const retry = decideAfterFailure({
        taskId: task.id,
        attempts: task.attempts,
        maxAttempts: task.maxAttempts,
        signatures,
        now: nowMs,
      });
      const t =
        retry.action === 'retry'
          ? move('ready', { failure: run.failure ?? { code: 'MANAGER_RUN_FAILED', message } })
          : move('failed', { failure: retry.failure });
      if (!t) return undefined;
      const nextNotes: TaskNotes =
        retry.action === 'retry'
          ? { signatures, notBefore: new Date(retry.notBefore).toISOString() }
          : { signatures };
      return { task: t, notes: nextNotes, retry, signature };
    }
    default:
      return assertNever(run.status);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected run status ${String(value)}`);
}
