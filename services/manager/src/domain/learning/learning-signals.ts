import type { Run, Task } from '@autopilot/contracts';

/**
 * Learning signals: what the manager learns from how runs went, per task and per project. Kept as
 * running totals (TaskLearning, ProjectLearning) that evolve with each run that ends and each plan
 * revision, in the same transaction as that change (see adapters/learning-store.ts); the signals a
 * person or the tick reads are derived from them here.
 */

/** What one task's runs taught so far. */
export interface TaskLearning {
  readonly projectId: string;
  readonly taskId: string;
  /** Runs that ended succeeded, failed or rolled back (cancelled runs are nobody's measure). */
  readonly runs: number;
  readonly failures: number;
  /** Over those runs: wall time from start (or dispatch) to end, and cost. */
  readonly durationMs: number;
  readonly costUsd: number;
  /** Runs already counted: a run is counted once, whatever writes it again. */
  readonly runIds: readonly string[];
  /** When the task first became ready (its creation, or its last dependency's success). */
  readonly readyAt?: string;
  /** Its first success, and the cycle time ready → that success. */
  readonly succeededAt?: string;
  readonly cycleTimeMs?: number;
}

/** How the project's plan moved since the first applied revision. */
export interface PlanDeviationTotals {
  /** Tasks in the first applied plan revision: what deviation is measured against. */
  readonly planned: number;
  readonly revisions: number;
  readonly added: number;
  readonly removed: number;
  /** Work or scheduling (priority, risk, estimate, dependencies) changed. */
  readonly changed: number;
}

/** A project's running totals. */
export interface ProjectLearning {
  readonly projectId: string;
  readonly runs: number;
  readonly failures: number;
  readonly durationMs: number;
  readonly costUsd: number;
  readonly tasksSucceeded: number;
  readonly cycleTimeMs: number;
  readonly plan: PlanDeviationTotals;
  /** Failed runs per area (`node:<plan node id>`, `path:<scope glob>`), at most MAX_AREAS. */
  readonly areaFailures: Readonly<Record<string, number>>;
}

/** A run that reached a final status, with what the signals need of its task. */
export interface RunEnded {
  readonly run: Run;
  readonly task: Pick<Task, 'id' | 'planNodeId' | 'scopePaths' | 'createdAt'>;
  /** When each of the task's dependencies first succeeded (missing: unknown). */
  readonly dependencySucceededAt: readonly string[];
}

/** One plan revision applied: counts by applyPlanRevision. */
export interface PlanDelta {
  /** Tasks in the revision. */
  readonly tasks: number;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** Areas a project remembers failures of; the least failing go first when more come. */
export const MAX_AREAS = 200;
/** Failed runs from which an area counts as fragile. */
export const FRAGILE_FAILURES = 2;

export function emptyProjectLearning(projectId: string): ProjectLearning {
  return {
    projectId,
    runs: 0,
    failures: 0,
    durationMs: 0,
    costUsd: 0,
    tasksSucceeded: 0,
    cycleTimeMs: 0,
    plan: { planned: 0, revisions: 0, added: 0, removed: 0, changed: 0 },
    areaFailures: {},
  };
}

export function emptyTaskLearning(projectId: string, taskId: string): TaskLearning {
  return { projectId, taskId, runs: 0, failures: 0, durationMs: 0, costUsd: 0, runIds: [] };
}

/** The areas a task touches: its plan node and each scope glob. */
export function areasOf(task: Pick<Task, 'planNodeId' | 'scopePaths'>): string[] {
  return [`node:${task.planNodeId}`, ...task.scopePaths.map((p) => `path:${p}`)];
}

/**
 * The task's and the project's totals after `ended`; unchanged (the same objects) when the run was
 * counted already or was cancelled. Failed and rolled-back runs count as failures and add one to
 * every area of their task. The first success records the cycle time from the task's ready
 * instant: the latest of its creation and its dependencies' first successes.
 */
export function learnFromRun(
  task: TaskLearning,
  project: ProjectLearning,
  ended: RunEnded,
): { task: TaskLearning; project: ProjectLearning } {
  const { run } = ended;
  if (task.runIds.includes(run.id) || run.status === 'cancelled') return { task, project };
  const outcome = run.status;
  switch (outcome) {
    case 'succeeded':
    case 'failed':
    case 'rolled_back':
      break;
    case 'pending':
    case 'running':
    case 'suspended':
      return { task, project };
    default:
      return assertNever(outcome);
  }
  const failed = outcome !== 'succeeded';
  const endedAt = run.finishedAt ?? run.updatedAt;
  const durationMs = Math.max(0, Date.parse(endedAt) - Date.parse(run.startedAt ?? run.createdAt));
  const costUsd = Number.isFinite(run.costUsd) && run.costUsd > 0 ? run.costUsd : 0;
  const readyAt =
    task.readyAt ?? latest([ended.task.createdAt, ...ended.dependencySucceededAt]) ?? ended.task.createdAt;
  const firstSuccess = !failed && task.succeededAt === undefined;
  const cycleTimeMs = firstSuccess ? Math.max(0, Date.parse(endedAt) - Date.parse(readyAt)) : undefined;
  const nextTask: TaskLearning = {
    ...task,
    runs: task.runs + 1,
    failures: task.failures + (failed ? 1 : 0),
    durationMs: task.durationMs + durationMs,
    costUsd: task.costUsd + costUsd,
    runIds: [...task.runIds, run.id],
    readyAt,
    ...(firstSuccess ? { succeededAt: endedAt, cycleTimeMs } : {}),
  };
  const nextProject: ProjectLearning = {
    ...project,
    runs: project.runs + 1,
    failures: project.failures + (failed ? 1 : 0),
    durationMs: project.durationMs + durationMs,
    costUsd: project.costUsd + costUsd,
    tasksSucceeded: project.tasksSucceeded + (firstSuccess ? 1 : 0),
    cycleTimeMs: project.cycleTimeMs + (cycleTimeMs ?? 0),
    areaFailures: failed ? bumpAreas(project.areaFailures, areasOf(ended.task)) : project.areaFailures,
  };
  return { task: nextTask, project: nextProject };
}

/** The project's totals after a plan revision; the first one sets what deviation is measured against. */
export function learnFromPlan(project: ProjectLearning, delta: PlanDelta): ProjectLearning {
  const { plan } = project;
  if (plan.revisions === 0) return { ...project, plan: { ...plan, planned: delta.tasks, revisions: 1 } };
  return {
    ...project,
    plan: {
      planned: plan.planned,
      revisions: plan.revisions + 1,
      added: plan.added + delta.added,
      removed: plan.removed + delta.removed,
      changed: plan.changed + delta.changed,
    },
  };
}

/** A task's signals. */
export interface TaskSignals {
  readonly taskId: string;
  /** 0 (easy) to 1 (hard): see `difficulty`. */
  readonly difficulty: number;
  /** Runs after the first: retries after failures, and runs again after a success (a reset). */
  readonly reworkCount: number;
  readonly failures: number;
  /** Ready → first success, once it succeeded. */
  readonly cycleTimeMs?: number;
}

/** A project's signals. */
export interface ProjectSignals {
  readonly projectId: string;
  /** Over tasks that succeeded; undefined before the first. */
  readonly averageCycleTimeMs?: number;
  /** Failed (or rolled back) runs over runs that ended; 0 before any. */
  readonly failureRate: number;
  /** Tasks added, removed or changed by plan revisions, over the tasks of the first revision. */
  readonly planDeviation: number;
  /** Areas with at least FRAGILE_FAILURES failed runs, most failing first. */
  readonly fragileAreas: readonly { readonly area: string; readonly failures: number }[];
}

export function projectSignals(p: ProjectLearning): ProjectSignals {
  const deviation = p.plan.added + p.plan.removed + p.plan.changed;
  return {
    projectId: p.projectId,
    ...(p.tasksSucceeded > 0 ? { averageCycleTimeMs: Math.round(p.cycleTimeMs / p.tasksSucceeded) } : {}),
    failureRate: p.runs > 0 ? p.failures / p.runs : 0,
    planDeviation: p.plan.planned > 0 ? deviation / p.plan.planned : deviation > 0 ? 1 : 0,
    fragileAreas: Object.entries(p.areaFailures)
      .filter(([, n]) => n >= FRAGILE_FAILURES)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .map(([area, failures]) => ({ area, failures })),
  };
}

/** Weights of the difficulty formula; they sum to 1. */
export const DIFFICULTY_WEIGHTS = {
  failures: 0.4,
  rework: 0.15,
  duration: 0.15,
  cost: 0.15,
  fragile: 0.15,
} as const;

/**
 * Learned difficulty, 0 (easy) to 1 (hard), a weighted sum of five scores each in 0..1:
 *
 *   difficulty = 0.40·F + 0.15·W + 0.15·D + 0.15·C + 0.15·Z
 *   F = failures / (runs + 1)          failed share of its runs, damped while runs are few
 *   W = min(1, rework / 3)              runs after the first, three or more counting fully
 *   D = r / (1 + r), r = its mean run time / the project's mean run time   (0.5 at par)
 *   C = the same with cost per run                                           (0.5 at par)
 *   Z = 1 when one of its areas (plan node, scope glob) is fragile in the project, else 0
 *
 * A task that has not run yet (or a project that has no measure) scores D = C = 0.5: as long as an
 * average run. So a fresh task is 0.15 (0.30 in a fragile area) and a task that failed twice in two
 * runs about 0.62; among tasks of equal priority and risk the tick runs the easier first.
 */
export function difficulty(
  task: TaskLearning | undefined,
  project: ProjectLearning | undefined,
  taskAreas: readonly string[],
): number {
  const runs = task?.runs ?? 0;
  const f = runs > 0 ? (task?.failures ?? 0) / (runs + 1) : 0;
  const w = Math.min(1, Math.max(0, runs - 1) / 3);
  const relative = (mine: number, theirs: number): number => {
    if (!task || runs === 0 || !project || project.runs === 0 || theirs <= 0) return 0.5;
    const r = mine / runs / (theirs / project.runs);
    return r / (1 + r);
  };
  const d = relative(task?.durationMs ?? 0, project?.durationMs ?? 0);
  const c = relative(task?.costUsd ?? 0, project?.costUsd ?? 0);
  const fragile = project ? new Set(projectSignals(project).fragileAreas.map((a) => a.area)) : new Set();
  const z = taskAreas.some((a) => fragile.has(a)) ? 1 : 0;
  const W = DIFFICULTY_WEIGHTS;
  return clamp01(W.failures * f + W.rework * w + W.duration * d + W.cost * c + W.fragile * z);
}

export function taskSignals(
  task: TaskLearning | undefined,
  taskId: string,
  project: ProjectLearning | undefined,
  taskAreas: readonly string[],
): TaskSignals {
  return {
    taskId,
    difficulty: difficulty(task, project, taskAreas),
    reworkCount: Math.max(0, (task?.runs ?? 0) - 1),
    failures: task?.failures ?? 0,
    ...(task?.cycleTimeMs !== undefined ? { cycleTimeMs: task.cycleTimeMs } : {}),
  };
}

function bumpAreas(
  counts: Readonly<Record<string, number>>,
  areas: readonly string[],
): Record<string, number> {
  const next: Record<string, number> = { ...counts };
  for (const a of new Set(areas)) next[a] = (next[a] ?? 0) + 1;
  const entries = Object.entries(next);
  if (entries.length <= MAX_AREAS) return next;
  // Forget the least failing areas (ties: the name last in order), keeping the bound.
  entries.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.slice(0, MAX_AREAS));
}

function latest(instants: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const i of instants) if (best === undefined || Date.parse(i) > Date.parse(best)) best = i;
  return best;
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0.5);

function assertNever(value: never): never {
  throw new Error(`unexpected run status ${String(value)}`);
}

/**
 * The learned difficulty of each of a project's ready tasks, by task id: `learned` holds the
 * totals of those that ran before (the caller fetches them only for tasks with attempts).
 */
export function difficulties(
  tasks: readonly Pick<Task, 'id' | 'planNodeId' | 'scopePaths'>[],
  learned: ReadonlyMap<string, TaskLearning>,
  project: ProjectLearning | undefined,
): Map<string, number> {
  return new Map(tasks.map((t) => [t.id, difficulty(learned.get(t.id), project, areasOf(t))]));
}
