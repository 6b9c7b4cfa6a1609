import { Inject, Injectable } from '@nestjs/common';
import {
  GovernanceRequestApprovalV1,
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
import { Clock, hasCode, IdSource } from '@autopilot/kernel';
import { OutboxEnvelopes, ServiceSettings } from '@autopilot/runtime';
import { decideAutoPause, type AutoPause, type FinishedRunFacts } from '../domain/auto-pause/auto-pause';
import { pauseProject } from '../domain/project/project';
import type { RunNotes } from '../domain/run/run-notes';
import { budgetExtensionUsd, capOfScope, waitsForRunBudget } from '../domain/run/run-resumption';
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

/** What a report adds to its commit beyond the run and its task (a suspension's approval request). */
interface ReportExtras {
  readonly run: Run;
  readonly notes: RunNotes;
  readonly events: readonly Envelope[];
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
    @Inject(IdSource) private readonly ids: IdSource,
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
    return this.apply(
      'run.finished',
      event,
      (run, now) => decideRunFinished(run, event, now),
      // The gate's checks feed auto-pause ("on a failed quality gate where policy says so"); the
      // head commit is where the task's dependants start.
      (run, notes) =>
        Promise.resolve({
          run,
          notes: {
            ...notes,
            ...(event.gates ? { gates: event.gates.map(({ name, passed }) => ({ name, passed })) } : {}),
            ...(event.headCommit !== undefined ? { headCommit: event.headCommit } : {}),
          },
          events: [],
        }),
    );
  }

  /**
   * A run that reached its own cap asks a person, in the same commit, whether to continue with $X
   * more (a `budget_extension` approval, id minted here and kept on the run); a run that reached a
   * day's or week's cap waits for its project to run again (BudgetPausesUseCase pauses it, the tick
   * resumes the run once the window reopened: SuspendedRunsUseCase).
   */
  suspended(event: RunSuspendedV1): Promise<RunReportResult> {
    return this.apply(
      'run.suspended',
      event,
      (run, now) => decideRunSuspended(run, event, now),
      (run, notes) => this.budgetRequestOf(event, run, notes),
    );
  }

  private async budgetRequestOf(event: RunSuspendedV1, run: Run, notes: RunNotes): Promise<ReportExtras> {
    if (event.reason !== 'awaiting_budget') return { run, notes, events: [] };
    const project = await this.projects.get(run.projectId);
    const capUsd =
      project && event.exceededScope !== undefined
        ? capOfScope(project.value.project.budgets, event.exceededScope, notes.extraBudgetUsd)
        : undefined;
    const scoped: RunNotes = {
      ...notes,
      ...(event.exceededScope !== undefined ? { budgetScope: event.exceededScope } : {}),
      ...(capUsd !== undefined ? { budgetCapUsd: capUsd } : {}),
      ...(event.budgetReopensAt !== undefined ? { budgetReopensAt: event.budgetReopensAt } : {}),
    };
    if (!waitsForRunBudget(event) || !project || capUsd === undefined)
      return { run, notes: scoped, events: [] };
    const extraUsd = budgetExtensionUsd(project.value.project.budgets.runUsd, event.requestedUsd);
    const approvalId = this.ids.next();
    const request = this.envelopes.build(
      GovernanceRequestApprovalV1,
      {
        approvalId,
        projectId: run.projectId,
        taskId: run.taskId,
        runId: run.id,
        action: {
          kind: 'budget_extension',
          riskScore: 0.5,
          paths: [],
          budget: { runId: run.id, extraUsd },
          summary: `continue run ${run.id} with $${extraUsd.toFixed(2)} more (it spent $${event.costUsd.toFixed(2)} of its $${capUsd.toFixed(2)} cap)`,
        },
        reasons: [
          `the run reached its budget cap of $${capUsd.toFixed(2)}${
            event.requestedUsd !== undefined
              ? ` with a call of $${event.requestedUsd.toFixed(2)} still to make`
              : ''
          }; its work is checkpointed on ${run.branch}`,
        ],
        ruleIds: ['budget.run_cap'],
      },
      { correlationId: run.id },
    );
    this.log.info('run reached its budget cap: asked a person to continue with more', {
      projectId: run.projectId,
      runId: run.id,
      approvalId,
      extraUsd,
    });
    return { run: { ...run, approvalId }, notes: scoped, events: [request] };
  }

  private leaseFromNow(): string {
    return new Date(this.clock.now() + this.settings.runLeaseMs).toISOString();
  }

  private async apply(
    type: string,
    report: Report,
    decide: (run: Run, now: string) => RunReportDecision,
    extras?: (run: Run, notes: RunNotes) => Promise<ReportExtras>,
  ): Promise<RunReportResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.applyOnce(type, report, decide, extras);
      } catch (err) {
        if (!hasCode(err, 'STORE_REVISION_CONFLICT') || attempt >= CONFLICT_TRIES) throw err;
      }
    }
  }

  private async applyOnce(
    type: string,
    report: Report,
    decide: (run: Run, now: string) => RunReportDecision,
    extras?: (run: Run, notes: RunNotes) => Promise<ReportExtras>,
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

    let run = decision.run;
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
    let extraEvents: readonly Envelope[] = [];
    if (extras) ({ run, notes: runNotes, events: extraEvents } = await extras(run, runNotes));

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
      ...extraEvents,
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
      pauseOnFailedGates: this.settings.pauseOnFailedGates,
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
    ...(notes.gates !== undefined ? { gates: notes.gates } : {}),
  };
}

function pauseOf(p: AutoPause): { kind: AutoPause['rule']; reason: string; unblock: string } {
  return { kind: p.rule, reason: p.reason, unblock: p.unblock };
}
