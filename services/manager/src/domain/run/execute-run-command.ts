import {
  taskSpecProperties,
  type IntentionAnchor,
  type Project,
  type Run,
  type Task,
  type TaskSpec,
  type WorkerExecuteRunV1,
} from '@autopilot/contracts';
import type { RunNotes } from './run-notes';

const SPEC_KEYS = Object.keys(taskSpecProperties) as (keyof TaskSpec)[];

/**
 * The `worker.execute_run` of a run: fresh, requeued under a new fencing token, or resumed after a
 * suspension (then from its checkpoint). Its budget is the project's run cap plus what people
 * approved on top for this run. The intention anchor the task serves goes with it, so the worker's
 * context keeps the run true to what the whole project is for.
 */
export function executeRunCommand(
  project: Project,
  task: Task,
  run: Run,
  notes: RunNotes,
  leaseExpiresAt: string,
  anchor: IntentionAnchor | undefined,
): WorkerExecuteRunV1 {
  return {
    runId: run.id,
    taskId: task.id,
    projectId: project.id,
    attempt: run.attempt,
    fencingToken: run.fencingToken,
    leaseExpiresAt,
    task: specOf(task),
    repo: project.repo,
    baseCommit: run.baseCommit,
    branch: run.branch,
    ...(run.checkpoint !== undefined ? { resumeFrom: run.checkpoint } : {}),
    autonomyMode: project.autonomyMode,
    budgetUsd: project.budgets.runUsd + (notes.extraBudgetUsd ?? 0),
    ...(anchor ? { anchor } : {}),
  };
}

/** The planner's spec of the task: exactly the contract's spec fields. */
function specOf(task: Task): TaskSpec {
  const spec: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) if (task[k] !== undefined) spec[k] = task[k];
  return spec as unknown as TaskSpec;
}
