import { Inject, Injectable } from '@nestjs/common';
import {
  ProjectUpdatedV1,
  RunUpdatedV1,
  TaskUpdatedV1,
  type Envelope,
  type Run,
  type RunFinishedV1,
  type RunStartedV1,
  type RunSuspendedV1,
  type StepRecordedV1,
  type Task,
} from '@autopilot/contracts';
import { Clock, hasCode } from '@autopilot/kernel';
import { OutboxEnvelopes, ServiceSettings } from '@autopilot/runtime';
import { decideAutoPause, type AutoPause, type FinishedRunFacts } from '../domain/auto-pause/auto-pause';
import { pauseProject } from '../domain/project/project';
import type { RunNotes } from '../domain/run/run-notes';
import {
  decideRunFinished,
  decideRunStarted,
  decideRunSuspended,
  decideStepRecorded,
  type RunReportDecision,
} from '../domain/run/run-results';
import { releasedBySuccess } from '../domain/task/readiness';
import { taskAfterRun } from '../domain/task/task-after-run';
import type { ManagerSettings } from '../manager-settings';
import {
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
  TickRequests,
  type StoredRun,
  type StoredTask,
  type TaskGraphChange,
} from './ports';

/** How many of a project's last finished runs auto-pause looks at. */
const PAUSE_HISTORY = 10;
/** Tries when a concurrent commit (the tick, another report) changed what a report read. */
const CONFLICT_TRIES = 5;

/** What handling one worker report did. */
export type RunReportResult = RunReportDecision['kind'] | 'unknown_run';

interface Report {
  readonly runId: string;
  readonly taskId: string;
  readonly projectId: string;
  readonly fencingToken: number;
}

/**
 * The worker's reports (`run.started`, `step.recorded`, `run.finished`, `run.suspended`) applied to
 * the run they name (domain/run/run-results: fencing token first, then the lifecycle), and the
 * task following its run (domain/task/task-after-run): one commit with `run.updated`, the
 * `task.updated` of the task and of every dependant a success made ready, and the message recorded
 * as handled. A report from a stale lease, for an unknown run or asking an illegal move is logged
 * as a warning and acked; a duplicate changes nothing.
 *
 * Leases: `run.started` and every `step.recorded` renew the run's lease for `runLeaseMs`; a worker
 * must report a step (or start) at least that often or the tick requeues the run under a new
 * fencing token. A run that ends checks auto-pause over the project's last finished runs; a pause
 * is committed first (not completing the handling), so a crash before the run's commit redelivers
 * the report, and the pause, already there, is not repeated.
 */
@Injectable()
export class RunReportsUseCase {
  constructor(
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ServiceSettings) private readonly settings: ManagerSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
    @Inject(TickRequests) private readonly ticks: TickRequests,
  ) {}

  started(event: RunStartedV1): Promise<RunReportResult> {
    return this.apply('run.started', event, (run, now) =>
      decideRunStarted(run, event, now, this.leaseFromNow()),
    );
  }

  stepRecorded(event: StepRecordedV1): Promise<RunReportResult> {
    return this.apply('step.recorded', event, (run, now) =>
      decideStepRecorded(run, event, now, this.leaseFromNow()),
    );
  }

  finished(event: RunFinishedV1): Promise<RunReportResult> {
    return this.apply('run.finished', event, (run, now) => decideRunFinished(run, event, now));
  }

  suspended(event: RunSuspendedV1): Promise<RunReportResult> {
    return this.apply('run.suspended', event, (run, now) => decideRunSuspended(run, event, now));
  }

  private leaseFromNow(): string {
    return new Date(this.clock.now() + this.settings.runLeaseMs).toISOString();
  }

  private async apply(
    type: string,
    report: Report,
    decide: (run: Run, now: string) => RunReportDecision,
  ): Promise<RunReportResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.applyOnce(type, report, decide);
      } catch (err) {
        if (!hasCode(err, 'STORE_REVISION_CONFLICT') || attempt >= CONFLICT_TRIES) throw err;
      }
    }
  }

  private async applyOnce(
    type: string,
    report: Report,
    decide: (run: Run, now: string) => RunReportDecision,
  ): Promise<RunReportResult> {
    const { runId, taskId, projectId, fencingToken } = report;
    const fields = { type, runId, taskId, projectId, fencingToken };
    const [stored] = await this.graphs.runs([runId]);
    if (!stored || stored.value.projectId !== projectId || stored.value.taskId !== taskId) {
      this.log.warn('worker report for a run the manager does not hold: refused', fields);
      await this.acknowledge(projectId);
      return 'unknown_run';
    }
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString();
    const decision = decide(stored.value, now);
    if (decision.kind === 'refused') {
      this.log.warn('worker report refused', { ...fields, reason: decision.reason });
      await this.acknowledge(projectId);
      return decision.kind;
    }
    if (decision.kind === 'unchanged') {
      this.log.info('worker report changes nothing', { ...fields, reason: decision.reason });
      await this.acknowledge(projectId);
      return decision.kind;
    }

    const run = decision.run;
    const holdsWorker = run.status === 'pending' || run.status === 'running';
    let runNotes: RunNotes = {
      ...stored.notes,
      ...(decision.failedStepKind ? { failedStepKind: decision.failedStepKind } : {}),
    };
    const { leaseExpiresAt: _, ...withoutLease } = runNotes;
    runNotes =
      holdsWorker && decision.leaseExpiresAt
        ? { ...runNotes, leaseExpiresAt: decision.leaseExpiresAt }
        : withoutLease;

    const tasks: {
      task: Task;
      expectedVersion: number;
      notes?: TaskGraphChange['tasks'][number]['notes'];
    }[] = [];
    const storedTask = await this.graphs.task(projectId, taskId);
    const follow = storedTask
      ? taskAfterRun(storedTask.value, storedTask.notes, run, runNotes, nowMs)
      : undefined;
    if (follow && storedTask) {
      if (follow.signature) runNotes = { ...runNotes, signature: follow.signature };
      tasks.push({ task: follow.task, expectedVersion: storedTask.version, notes: follow.notes });
      if (follow.task.status === 'succeeded')
        tasks.push(...(await this.readied(projectId, follow.task, now)));
      if (follow.retry?.action === 'fail')
        this.log.warn('task failed', { projectId, taskId, runId, failure: follow.retry.failure });
    }

    if (!holdsWorker && run.status !== 'suspended') await this.checkAutoPause(stored, run, runNotes, now);

    const events: Envelope[] = [
      this.envelopes.build(RunUpdatedV1, run, { correlationId: run.id }),
      ...tasks.map(({ task }) => this.envelopes.build(TaskUpdatedV1, task, { correlationId: run.id })),
    ];
    await this.graphs.commit(
      { projectId, tasks, runs: [{ run, expectedVersion: stored.version, notes: runNotes }] },
      events,
      { completesHandling: true },
    );
    if (!holdsWorker) this.ticks.request();
    return decision.kind;
  }

  /** Dependants a succeeded task made ready (and gates that succeeded with it). */
  private async readied(
    projectId: string,
    succeeded: Task,
    now: string,
  ): Promise<{ task: Task; expectedVersion: number }[]> {
    // Only the dependants (and their dependencies) are read: a success is O(its dependants), not O(graph).
    const versions = new Map<string, number>();
    const seen = (stored: Iterable<StoredTask>): void => {
      for (const t of stored) versions.set(t.value.id, t.version);
    };
    const changed = await releasedBySuccess(
      succeeded,
      {
        dependantsOf: async (ids) => {
          const stored = await this.graphs.dependantsOf(projectId, ids);
          seen(stored);
          return stored.map((t) => t.value);
        },
        tasksById: async (ids) => {
          const stored = await this.graphs.tasksById(projectId, ids);
          seen(stored.values());
          return new Map([...stored].map(([id, t]) => [id, t.value]));
        },
      },
      now,
    );
    return changed.map((task) => ({ task, expectedVersion: versions.get(task.id) ?? 0 }));
  }

  /** Pauses the project when the run that just ended trips an auto-pause rule. */
  private async checkAutoPause(stored: StoredRun, run: Run, notes: RunNotes, now: string): Promise<void> {
    const current = facts(run, notes);
    // Only a failure can extend a streak of failures: any other end needs no history (and no query).
    const history =
      current.outcome === 'failed'
        ? (await this.graphs.lastFinishedRuns(run.projectId, PAUSE_HISTORY))
            .filter((r) => r.value.id !== run.id)
            .reverse()
            .map((r) => facts(r.value, r.notes))
        : [];
    const pauses = decideAutoPause(current, [...history, current], {
      confidenceThreshold: this.settings.confidenceThreshold,
    });
    const [strongest] = pauses;
    if (!strongest) return;
    const project = await this.projects.get(run.projectId);
    if (!project) return;
    const decision = pauseProject(project.value, pauseOf(strongest), now);
    if (decision.kind === 'unchanged') return;
    this.log.warn('project auto-paused', {
      projectId: run.projectId,
      runId: stored.value.id,
      rule: strongest.rule,
      reason: strongest.reason,
    });
    await this.projects.commit(
      decision.state,
      project.version,
      [this.envelopes.build(ProjectUpdatedV1, decision.state.project)],
      { completesHandling: false },
    );
  }

  /** Records the report as handled with nothing else changed (refused, duplicate, unknown). */
  private acknowledge(projectId: string): Promise<void> {
    return this.graphs.commit({ projectId, tasks: [], runs: [] }, [], { completesHandling: true });
  }
}

function facts(run: Run, notes: RunNotes): FinishedRunFacts {
  return {
    runId: run.id,
    taskId: run.taskId,
    outcome:
      run.status === 'succeeded' || run.status === 'cancelled' || run.status === 'rolled_back'
        ? run.status
        : 'failed',
    confidence: run.confidence ?? 0,
    branch: run.branch,
    ...(notes.signature !== undefined ? { signature: notes.signature } : {}),
  };
}

function pauseOf(p: AutoPause): { kind: AutoPause['rule']; reason: string; unblock: string } {
  return { kind: p.rule, reason: p.reason, unblock: p.unblock };
}
