import type { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  GapReportCreatedV1,
  IngestionProgressV1,
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlanProposalCreatedV1,
  PlanRejectedV1,
  RepoScannedV1,
  TasksGeneratedV1,
  TasksGeneratedV2,
  type Envelope,
  type IngestionWarning,
} from '@autopilot/contracts';
import { HeldPlanRevisions, PlanBaseMissingError } from './held-plan-revisions';

/** The blueprint facts the plan output needs, from the job's final progress event. */
export interface IngestedSummary {
  blueprintId: string;
  version: number;
  digest: string;
  wordCount: number;
}

/** What the services announced for one job (blueprint job or repository scan), by correlation id. */
export interface JobEvents {
  ingested?: IngestedSummary;
  /**
   * Ingestion failed the job, or (`CLI_PLAN_BASE_MISSING`) the planner announced the job's plan as
   * a change to a revision this process does not hold.
   */
  failed?: { code: string; message: string };
  /** Warnings of the ingestion job (a secret in the blueprint, by file and line). */
  warnings?: IngestionWarning[];
  /** Whole, however it was announced: v1 as received, v2 applied to the revision it changes. */
  plan?: PlanGeneratedV1;
  tasks?: TasksGeneratedV1;
  /**
   * Every plan and task graph the job announced, by plan id: a repository scan announces each plan
   * of the project, checked against the repository.
   */
  plans?: Map<string, PlanGeneratedV1>;
  taskGraphs?: Map<string, TasksGeneratedV1>;
  rejected?: PlanRejectedV1;
  scanned?: RepoScannedV1;
  gapReport?: GapReportCreatedV1;
  proposal?: PlanProposalCreatedV1;
}

/** How many finished jobs `PlanJobWatch` remembers, to drop their late events. */
const FORGOTTEN_JOBS = 1000;

/**
 * Watches the bus for the events of the jobs this process submitted, correlated by job id (every
 * event a job causes carries it as `correlationId`), and lets callers wait for a state. Every job
 * ends in an event (a done or failed `ingestion.progress`, then `plan.generated` or
 * `plan.rejected`; `gap_report.created`...), so nothing else is ever read: no dead letters.
 */
export class PlanJobWatch {
  private readonly jobs = new Map<string, JobEvents>();
  /**
   * Jobs whose caller has what it waited for: their events (a whole plan each) are not kept. The
   * last FORGOTTEN_JOBS only: a late event of an older job (a redelivery) is then kept until the
   * process ends, as a small price for a set that does not grow with every plan of a long run.
   */
  private readonly finished = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** The base of the next v2 of each plan, whichever job (or none) announced it. */
  private readonly held = new HeldPlanRevisions();

  private constructor(private readonly bus: InProcessMessageBus) {}

  /** Subscribes before anything is published, so no event of a job can be missed. */
  static async start(bus: InProcessMessageBus): Promise<PlanJobWatch> {
    const watch = new PlanJobWatch(bus);
    const watched = (envelope: Envelope): string | undefined => {
      const id = envelope.correlationId;
      return id === undefined || watch.finished.has(id) ? undefined : id;
    };
    const on = <P>(record: (job: JobEvents, payload: P) => void) => {
      return async (d: { envelope: Envelope<P>; payload: P }): Promise<void> => {
        const id = watched(d.envelope);
        if (id === undefined) return;
        record(watch.job(id), d.payload);
        watch.changed();
      };
    };
    /**
     * A plan or task graph, whole (`whole` holds it as the base of the next change) before anything
     * else: every announcement counts, the jobs' and the rest. The watch subscribes before any
     * service publishes, so it holds every base the planner names (the planner sends v2 only against
     * a revision it announced in this process). If one is missing all the same, its job fails at once
     * (`autopilot plan` says which base) rather than at its deadline; unwatched, nobody waits for
     * it, and a later change built on it fails its own job the same way.
     */
    const onRevision = <P, W>(whole: (payload: P) => W, record: (job: JobEvents, whole: W) => void) => {
      return async (d: { envelope: Envelope<P>; payload: P }): Promise<void> => {
        let revision: W;
        try {
          revision = whole(d.payload);
        } catch (err) {
          if (!(err instanceof PlanBaseMissingError)) throw err;
          const id = watched(d.envelope);
          if (id === undefined) return;
          watch.job(id).failed = { code: err.code, message: err.message };
          watch.changed();
          return;
        }
        const id = watched(d.envelope);
        if (id === undefined) return;
        record(watch.job(id), revision);
        watch.changed();
      };
    };
    await bus.subscribe(
      IngestionProgressV1,
      'cli-plan-ingestion-progress',
      on<IngestionProgressV1>((job, p) => {
        if (p.phase === 'failed')
          job.failed = p.error ?? { code: 'INGESTION_FAILED', message: 'ingestion failed' };
        if (p.warnings) job.warnings = [...(job.warnings ?? []), ...p.warnings];
        // The job's last event, committed with `blueprint.ingested`: its summary is all this process
        // needs of the version, and that event is the whole text and section tree (9 MB of JSON for
        // a 500k-word blueprint) to decode.
        if (p.phase === 'done' && p.blueprintId !== undefined && p.ingested)
          job.ingested = { blueprintId: p.blueprintId, ...p.ingested };
      }),
      // One at a time, each delivery waits for a turn of the event loop, and a planning holds the
      // loop for most of a second at a time: the ~20 progress events of a large blueprint arrived
      // seconds after its job was done. The handler is synchronous, so all that wait are taken in
      // one turn, in order.
      { concurrency: 64 },
    );
    const recordPlan = (j: JobEvents, p: PlanGeneratedV1): void => {
      j.plan = p;
      (j.plans ??= new Map()).set(p.planId, p);
    };
    const recordTasks = (j: JobEvents, t: TasksGeneratedV1): void => {
      j.tasks = t;
      (j.taskGraphs ??= new Map()).set(t.planId, t);
    };
    await bus.subscribe(
      PlanGeneratedV1,
      'cli-plan-plan-generated',
      onRevision((p: PlanGeneratedV1) => watch.held.plan(p), recordPlan),
    );
    await bus.subscribe(
      PlanGeneratedV2,
      'cli-plan-plan-changed',
      onRevision((p: PlanGeneratedV2) => watch.held.planChange(p), recordPlan),
    );
    await bus.subscribe(
      TasksGeneratedV1,
      'cli-plan-tasks-generated',
      onRevision((t: TasksGeneratedV1) => watch.held.tasks(t), recordTasks),
    );
    await bus.subscribe(
      TasksGeneratedV2,
      'cli-plan-tasks-changed',
      onRevision((t: TasksGeneratedV2) => watch.held.tasksChange(t), recordTasks),
    );
    await bus.subscribe(
      PlanRejectedV1,
      'cli-plan-plan-rejected',
      on<PlanRejectedV1>((j, p) => (j.rejected = p)),
    );
    await bus.subscribe(
      RepoScannedV1,
      'cli-plan-repo-scanned',
      on<RepoScannedV1>((j, p) => (j.scanned = p)),
    );
    await bus.subscribe(
      GapReportCreatedV1,
      'cli-plan-gap-report-created',
      on<GapReportCreatedV1>((j, p) => (j.gapReport = p)),
    );
    await bus.subscribe(
      PlanProposalCreatedV1,
      'cli-plan-plan-proposal-created',
      on<PlanProposalCreatedV1>((j, p) => (j.proposal = p)),
    );
    return watch;
  }

  /** Resolves with `check`'s first defined answer for the job, re-checked on every event. */
  until<T>(jobId: string, check: (job: JobEvents) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        try {
          const answer = check(this.job(jobId));
          if (answer === undefined) return;
          this.listeners.delete(listener);
          resolve(answer);
        } catch (err) {
          this.listeners.delete(listener);
          reject(err as Error);
        }
      };
      this.listeners.add(listener);
      listener();
    });
  }

  /**
   * The caller is done with the job: what it announced is dropped, and so is anything it announces
   * later (a long-running `autopilot start` plans and scans again and again).
   */
  forget(jobId: string): void {
    this.jobs.delete(jobId);
    this.finished.add(jobId);
    // A Set iterates in insertion order: the first is the oldest.
    for (const oldest of this.finished) {
      if (this.finished.size <= FORGOTTEN_JOBS) break;
      this.finished.delete(oldest);
    }
  }

  private job(id: string): JobEvents {
    let job = this.jobs.get(id);
    if (!job) {
      job = {};
      this.jobs.set(id, job);
    }
    return job;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
