import type {
  Envelope,
  IntentionAnchor,
  ProjectDaySummarizedV1,
  Run,
  RunStatus,
  Task,
} from '@autopilot/contracts';
import type { PlanDelta, ProjectLearning, TaskLearning } from '../domain/learning/learning-signals';
import type { AppliedPlan } from '../domain/plan-revision/apply-plan-revision';
import type { ProjectState } from '../domain/project/project';
import type { RunNotes } from '../domain/run/run-notes';
import type { TaskNotes } from '../domain/task/task-notes';

export type { RunNotes, TaskNotes };

/**
 * The manager's own ports. Adapters live in ../adapters; the module binds them. Every commit
 * compare-and-sets what it read (StoreRevisionConflictError when something changed since: nothing
 * written) and appends its events to the outbox in the same transaction.
 */

/** A stored document and its store version (0: not stored yet). */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/** Projects (`projects`). */
export interface ProjectRepository {
  get(projectId: string): Promise<Versioned<ProjectState> | null>;
  /** Every project, by id. */
  list(): Promise<Versioned<ProjectState>[]>;
  /**
   * Stores `next` over `expectedVersion` and appends `events`, recording the message being handled
   * in the inbox (unless `completesHandling` is false: another commit completes it).
   */
  commit(
    next: ProjectState,
    expectedVersion: number,
    events: readonly Envelope[],
    opts?: { completesHandling: boolean },
  ): Promise<void>;
}
export const ProjectRepository = Symbol('ProjectRepository');

/** A stored task with its notes. */
export interface StoredTask extends Versioned<Task> {
  readonly notes: TaskNotes;
}

/** A stored run with its notes. */
export interface StoredRun extends Versioned<Run> {
  readonly notes: RunNotes;
}

/** A project's task graph as stored: the plan revision applied last and every task. */
export interface StoredTaskGraph {
  readonly projectId: string;
  /** Undefined before the first graph. */
  readonly applied: AppliedPlan | undefined;
  /** The graph head's store version (0: none yet). */
  readonly version: number;
  readonly tasks: ReadonlyMap<string, StoredTask>;
}

/** Writes to a project's tasks and runs, committed together. */
export interface TaskGraphChange {
  readonly projectId: string;
  /** A new graph head, compare-and-set on `expectedVersion`; absent: the head is untouched. */
  readonly head?: {
    readonly applied: AppliedPlan;
    /** The intention anchor of the applied plan, handed to every run; absent: the planner sent none. */
    readonly anchor?: IntentionAnchor;
    readonly expectedVersion: number;
  };
  /** Tasks to store, each over the version it was read at (0: new); without `notes` the stored ones stay. */
  readonly tasks: readonly {
    readonly task: Task;
    readonly expectedVersion: number;
    readonly notes?: TaskNotes;
  }[];
  /** Runs to store, each over the version it was read at (0: new), with their notes (none: no notes). */
  readonly runs: readonly {
    readonly run: Run;
    readonly expectedVersion: number;
    readonly notes?: RunNotes;
  }[];
  /** A plan revision applied with `head`: what it added, removed and changed (learning signals). */
  readonly planDelta?: PlanDelta;
}

/**
 * The task graph of each project (`task_graphs`, `tasks`) and the runs of its tasks (`runs`): one
 * repository, because a plan revision cancels runs and a dispatch creates one with its task's move,
 * each in one transaction.
 */
export interface TaskGraphRepository {
  load(projectId: string): Promise<StoredTaskGraph>;
  /** The intention anchor of the project's applied plan, if the planner sent one. */
  anchor(projectId: string): Promise<IntentionAnchor | undefined>;
  /** The project's tasks in `status`. */
  tasksIn(projectId: string, status: Task['status']): Promise<StoredTask[]>;
  task(projectId: string, taskId: string): Promise<StoredTask | null>;
  /** The stored tasks among `taskIds`, by id (missing ones left out). */
  tasksById(projectId: string, taskIds: readonly string[]): Promise<Map<string, StoredTask>>;
  /** The tasks that depend on any of `taskIds` (an index kept with every task write: no graph load). */
  dependantsOf(projectId: string, taskIds: readonly string[]): Promise<StoredTask[]>;
  /** How many of the project's runs hold or are about to hold a worker (pending, running), and wait suspended. */
  runCounts(projectId: string): Promise<{ readonly inFlight: number; readonly suspended: number }>;
  runs(runIds: readonly string[]): Promise<StoredRun[]>;
  /** The project's runs in any of `statuses`. */
  runsIn(projectId: string, statuses: readonly RunStatus[]): Promise<StoredRun[]>;
  /** The project's last `limit` runs that ended (succeeded, failed, cancelled, rolled back), newest first. */
  lastFinishedRuns(projectId: string, limit: number): Promise<StoredRun[]>;
  /**
   * Writes `change` and appends `events` in one transaction. `completesHandling`: this commit
   * completes the handling of the message being handled (the inbox records it).
   */
  commit(
    change: TaskGraphChange,
    events: readonly Envelope[],
    opts: { completesHandling: boolean },
  ): Promise<void>;
}
export const TaskGraphRepository = Symbol('TaskGraphRepository');

/** The tick's own records (`tick_state`): its sequence and each project's last decisions. */
export interface TickRecordRepository {
  /** What the project's last recorded tick decided, as a key (see RunTickUseCase), or undefined. */
  lastDecisions(projectId: string): Promise<string | undefined>;
  /**
   * Records each project's decisions (with `decisions` as their readable form) and, when `ticked`
   * is given, takes the next tick number and appends its event built from that number, in one
   * transaction. Returns the tick number, or undefined when none was taken.
   */
  record(
    decisions: readonly { projectId: string; key: string; decisions: unknown }[],
    ticked: ((seq: number) => readonly Envelope[]) | undefined,
  ): Promise<number | undefined>;
}
export const TickRecordRepository = Symbol('TickRecordRepository');

/**
 * Learning signals' running totals (`project_learning`, `task_learning`). Written only inside
 * TaskGraphRepository.commit, in the transaction of the runs and plan revisions they learn from.
 */
export interface LearningRepository {
  /** The project's totals, or undefined before its first ended run or plan revision. */
  project(projectId: string): Promise<ProjectLearning | undefined>;
  /** The totals of those of `taskIds` that have any, by task id. */
  tasks(projectId: string, taskIds: readonly string[]): Promise<Map<string, TaskLearning>>;
  /** Every task's totals in the project. */
  allTasks(projectId: string): Promise<TaskLearning[]>;
}
export const LearningRepository = Symbol('LearningRepository');

/** Daily summaries (`daily_summaries`): one document per project and local date, and each project's cursor. */
export interface DailySummaryRepository {
  /** The first local date (YYYY-MM-DD) not summarized yet and the cursor's version, or undefined (none yet). */
  cursor(projectId: string): Promise<{ readonly next: string; readonly version: number } | undefined>;
  /**
   * Stores `summary` (when given), sets the cursor to `next` over `expectedVersion` (0: no cursor
   * yet) and appends `events`, in one transaction. StoreRevisionConflictError when the cursor moved.
   */
  advance(
    projectId: string,
    summary: ProjectDaySummarizedV1 | undefined,
    next: string,
    expectedVersion: number,
    events: readonly Envelope[],
  ): Promise<void>;
  /** The stored summary of that date, or null. */
  get(projectId: string, date: string): Promise<ProjectDaySummarizedV1 | null>;
  /** The project's runs that ended in [from, to) (ISO instants), by when the manager saw them end. */
  runsEndedBetween(projectId: string, from: string, to: string): Promise<Run[]>;
}
export const DailySummaryRepository = Symbol('DailySummaryRepository');

/** Where the manager reports what it refused or skipped. */
export interface ManagerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
export const ManagerLog = Symbol('ManagerLog');

/** Asks for an autopilot tick soon (TickLoop): after a change that may let work run or hold it. */
export interface TickRequests {
  request(): void;
}
export const TickRequests = Symbol('TickRequests');
