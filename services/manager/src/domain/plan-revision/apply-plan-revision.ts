import { taskSpecProperties, type Task, type TaskSpec, type TasksGeneratedV1 } from '@autopilot/contracts';
import { dependencyOrder } from '../task/dependency-order';
import { recomputeReadiness } from '../task/readiness';
import { moveTask } from '../task/task-evolve';
import { TaskGraphError } from '../task/task-graph-error';
import { IN_FLIGHT_TASK_STATUSES, isTerminalTask } from '../task/task-lifecycle';
import { specChange } from './spec-change';

/** Which plan revision the stored task graph came from. */
export interface AppliedPlan {
  readonly planId: string;
  readonly planRevision: number;
}

export interface PlanRevisionInput {
  /** The project's stored tasks (any order). */
  readonly tasks: readonly Task[];
  /** The plan revision those tasks came from; undefined before the first graph. */
  readonly applied: AppliedPlan | undefined;
  readonly graph: TasksGeneratedV1;
  readonly now: string;
  /** Attempts allowed to a task the graph adds. */
  readonly maxAttempts: number;
}

export type PlanRevisionResult =
  | { readonly kind: 'stale'; readonly reason: string }
  | {
      readonly kind: 'applied';
      /** The whole graph after the revision: the graph's tasks in its order, then removed ones. */
      readonly tasks: Task[];
      /** Tasks whose stored state changed (revision + 1): one `task.updated` each. */
      readonly changed: Task[];
      readonly added: string[];
      /** Work changed: started over (attempts 0, failure and branch cleared). */
      readonly reset: string[];
      /** Priority, risk, estimate or dependencies changed; state kept. */
      readonly rescheduled: string[];
      /** No longer in the graph: cancelled unless already finished. */
      readonly removed: string[];
      /** Runs in flight for reset or removed tasks: the caller cancels them. */
      readonly runsToCancel: string[];
    };

/**
 * Merges a new `tasks.generated` into the stored task graph. Tasks whose work did not change keep
 * their state; changed ones start over (a run in flight is cancelled, then the task reopens as
 * blocked); removed ones are cancelled (a finished one keeps its honest outcome); added ones start
 * blocked; then readiness is recomputed for the whole graph. A graph for an older or the same
 * revision of the same plan is a replay: nothing changes.
 * @throws TaskGraphError for another project's graph, a duplicate id, a missing dependency or a cycle.
 */
export function applyPlanRevision(input: PlanRevisionInput): PlanRevisionResult {
  const { graph, now, applied } = input;
  if (applied && applied.planId === graph.planId && graph.planRevision <= applied.planRevision) {
    return {
      kind: 'stale',
      reason: `plan ${graph.planId} revision ${graph.planRevision} is not newer than the applied revision ${applied.planRevision}`,
    };
  }
  const foreign = input.tasks.find((t) => t.projectId !== graph.projectId);
  if (foreign)
    throw new TaskGraphError(foreign.id, `belongs to project ${foreign.projectId}, not ${graph.projectId}`);
  dependencyOrder(graph.tasks);

  const stored = new Map(input.tasks.map((t) => [t.id, t]));
  const wanted = new Set(graph.tasks.map((t) => t.id));
  const added: string[] = [];
  const reset: string[] = [];
  const rescheduled: string[] = [];
  const removed: string[] = [];
  const runsToCancel: string[] = [];

  const merged: Task[] = graph.tasks.map((spec) => {
    const before = stored.get(spec.id);
    if (!before) {
      added.push(spec.id);
      return newTask(spec, graph.projectId, input.maxAttempts, now);
    }
    switch (specChange(before, spec)) {
      case 'none':
        return before;
      case 'scheduling':
        rescheduled.push(spec.id);
        return { ...withSpec(before, spec), updatedAt: now, revision: before.revision + 1 };
      case 'work': {
        reset.push(spec.id);
        if (before.currentRunId && IN_FLIGHT_TASK_STATUSES.includes(before.status))
          runsToCancel.push(before.currentRunId);
        return startOver(before, spec, now);
      }
    }
  });

  for (const task of input.tasks) {
    if (wanted.has(task.id)) continue;
    removed.push(task.id);
    if (isTerminalTask(task.status)) {
      merged.push(task);
      continue;
    }
    if (task.currentRunId && IN_FLIGHT_TASK_STATUSES.includes(task.status))
      runsToCancel.push(task.currentRunId);
    merged.push(
      without(
        moveTask(task, 'cancelled', now, {
          failure: {
            code: 'MANAGER_TASK_REMOVED',
            message: `no longer in plan ${graph.planId} revision ${graph.planRevision}`,
          },
        }),
        'currentRunId',
      ),
    );
  }

  const ready = recomputeReadiness(merged, now);
  const changed = ready.tasks.filter((t) => stored.get(t.id)?.revision !== t.revision || !stored.has(t.id));
  return { kind: 'applied', tasks: ready.tasks, changed, added, reset, rescheduled, removed, runsToCancel };
}

function newTask(spec: TaskSpec, projectId: string, maxAttempts: number, now: string): Task {
  return {
    ...spec,
    projectId,
    status: 'blocked',
    attempts: 0,
    maxAttempts,
    createdAt: now,
    updatedAt: now,
    revision: 1,
  };
}

/** The new spec, the task's counters cleared, its status back to blocked (by way of cancelled when in flight). */
function startOver(before: Task, spec: TaskSpec, now: string): Task {
  let task = before;
  if (IN_FLIGHT_TASK_STATUSES.includes(task.status)) task = moveTask(task, 'cancelled', now);
  if (task.status !== 'blocked' && task.status !== 'ready') task = moveTask(task, 'blocked', now);
  const cleared = without(withSpec(task, spec), 'currentRunId', 'failure', 'branch');
  // One change of state, whatever the path: revision + 1 over the stored task.
  return { ...cleared, attempts: 0, updatedAt: now, revision: before.revision + 1 };
}

const SPEC_KEYS = Object.keys(taskSpecProperties) as (keyof TaskSpec)[];

/** The task with exactly the new spec's fields: an optional field the new spec left out is gone. */
function withSpec(task: Task, spec: TaskSpec): Task {
  return { ...without(task, ...SPEC_KEYS), ...spec } as Task;
}

function without<T extends object, K extends keyof T>(
  value: T,
  ...keys: K[]
): Omit<T, K> & Partial<Pick<T, K>> {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}
