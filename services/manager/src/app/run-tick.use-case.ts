import { Inject, Injectable } from '@nestjs/common';
import {
  AutopilotTickedV1,
  RunUpdatedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Envelope,
  type Run,
  type Task,
} from '@autopilot/contracts';
import { Clock, hasCode, IdSource } from '@autopilot/kernel';
import { OutboxEnvelopes, ServiceSettings } from '@autopilot/runtime';
import type { ProjectState } from '../domain/project/project';
import { executeRunCommand } from '../domain/run/execute-run-command';
import { runBranchName } from '../domain/run/run-branch';
import { endRunByManager, requeueRun } from '../domain/run/run-results';
import type { RunNotes } from '../domain/run/run-notes';
import { taskAfterRun } from '../domain/task/task-after-run';
import { moveTask } from '../domain/task/task-evolve';
import { difficulties } from '../domain/learning/learning-signals';
import { decideTick } from '../domain/tick/decide-tick';
import { tickedEvent } from '../domain/tick/ticked-event';
import type { TickCandidate, TickDecision, TickProject } from '../domain/tick/tick-types';
import type { ManagerSettings } from '../manager-settings';
import { BudgetResumesUseCase } from './budget-pauses.use-case';
import {
  LearningRepository,
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
  TickRecordRepository,
  type StoredRun,
  type StoredTask,
} from './ports';
import { SuspendedRunsUseCase } from './suspended-runs.use-case';
import { ApprovalRequestsUseCase } from './task-approvals.use-case';

/**
 * The commit a run branch starts from, until the manager learns the repository's head: git's null
 * id, which tells the worker to start from the tip of the project's default branch.
 */
export const DEFAULT_BRANCH_HEAD = '0'.repeat(40);

/** What one tick did. */
export interface TickReport {
  readonly seq: number | undefined;
  readonly decisions: readonly TickDecision[];
  readonly dispatchedRunIds: readonly string[];
  /** Runs whose lease lapsed, requeued under a new fencing token. */
  readonly requeuedRunIds: readonly string[];
  /** Runs failed for passing the maximum run time. */
  readonly timedOutRunIds: readonly string[];
}

/**
 * One autopilot tick. First it reconciles every project's runs in flight with the clock: a run past
 * the maximum run time (from its start, or its dispatch until a worker starts it) is failed with
 * that reason and its task follows (retry or fail, the loop guard deciding); a run whose lease
 * lapsed (no `run.started` or `step.recorded` renewed it) goes back to `pending` under a new
 * fencing token with a new `worker.execute_run`, each in its own transaction. A task queued
 * without its `worker.execute_run` cannot exist: the dispatch commits the task, the run and the
 * command in one transaction; should a command still be lost downstream, the run's lease lapses
 * and the requeue sends a new one.
 *
 * Then it loads every project that is not off, its ready tasks (a retry in backoff waits for its
 * not-before time) and its runs in flight,
 * asks decideTick what to do, and carries out each project's dispatches in one transaction (the
 * task ready → queued, a pending run with a fresh lease, `task.updated`, `run.updated` and the
 * `worker.execute_run` command on the work queue). A project whose tasks changed meanwhile loses
 * its transaction (compare-and-set) and waits for the next tick. Each project's decisions are
 * recorded when they differ from its last ones (suggest mode's "would run" lives there, with the
 * reason every other task waits); `autopilot.ticked` announces a tick that dispatched.
 */
@Injectable()
export class RunTickUseCase {
  /**
   * reclaimRunsAtStart: the projects whose runs in flight were requeued since this process started
   * (each at its first tick in which it may run work: a paused project's runs wait for it).
   */
  private readonly reclaimed = new Set<string>();
  /** When this process's manager began: only leases issued before it belong to a gone process. */
  private readonly startedMs: number;

  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(TaskGraphRepository) private readonly tasks: TaskGraphRepository,
    @Inject(TickRecordRepository) private readonly records: TickRecordRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ServiceSettings) private readonly settings: ManagerSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(ManagerLog) private readonly log: ManagerLog,
    private readonly budgets: BudgetResumesUseCase,
    private readonly approvals: ApprovalRequestsUseCase,
    @Inject(LearningRepository) private readonly learning: LearningRepository,
    private readonly suspendedRuns: SuspendedRunsUseCase,
  ) {
    this.startedMs = clock.now();
  }

  async execute(): Promise<TickReport> {
    const now = this.clock.now();
    // Projects paused only by a budget cap whose window reopened run again from this tick on.
    await this.budgets.resumeDue(now);
    const projects = await this.projects.list();
    const live = projects.filter((p) => p.value.project.autonomyMode !== 'off');
    const byId = new Map<string, ProjectState>(live.map((p) => [p.value.project.id, p.value]));
    const tickProjects: TickProject[] = [];
    const candidates: TickCandidate[] = [];
    const ready = new Map<string, StoredTask>();
    let suspended = 0;
    const requeuedRunIds: string[] = [];
    const timedOutRunIds: string[] = [];
    for (const { value } of projects) {
      const reclaim = this.reclaimNow(value);
      const r = await this.reconcile(value, now, reclaim);
      if (reclaim) this.reclaimed.add(value.project.id);
      requeuedRunIds.push(...r.requeued);
      timedOutRunIds.push(...r.timedOut);
    }
    for (const { value } of live) {
      const { project, pauseReason } = value;
      let counts = await this.tasks.runCounts(project.id);
      // Suspended runs whose approval was decided, or whose budget window reopened, go on first.
      if (counts.suspended > 0 && (await this.suspendedRuns.settleDue(value, now)).length > 0)
        counts = await this.tasks.runCounts(project.id);
      suspended += counts.suspended;
      tickProjects.push({
        id: project.id,
        autonomyMode: project.autonomyMode,
        paused: project.paused,
        ...(pauseReason !== undefined ? { pauseReason } : {}),
        maxParallel: project.maxParallel,
        ...(project.schedule ? { schedule: project.schedule } : {}),
        inFlight: counts.inFlight,
      });
      const readyTasks = await this.tasks.tasksIn(project.id, 'ready');
      const difficulty = await this.learnedDifficulty(project.id, readyTasks);
      for (const t of readyTasks) {
        ready.set(key(project.id, t.value.id), t);
        candidates.push({
          taskId: t.value.id,
          projectId: project.id,
          difficulty: difficulty.get(t.value.id) ?? 0.5,
          ...(t.value.priority !== undefined ? { priority: t.value.priority } : {}),
          ...(t.value.risk !== undefined ? { risk: t.value.risk } : {}),
          ...(t.notes.notBefore !== undefined ? { notBefore: Date.parse(t.notes.notBefore) } : {}),
          ...(t.notes.approved ? { approved: true } : {}),
        });
      }
    }
    const plan = decideTick({
      now,
      globalMaxParallel: this.settings.maxParallel,
      projects: tickProjects,
      ready: candidates,
    });

    const dispatchedRunIds: string[] = [];
    let asked = 0;
    for (const [projectId, decisions] of groupByProject(plan.decisions)) {
      const toAsk = decisions.filter((d) => d.action === 'request_approval');
      const state = byId.get(projectId);
      if (toAsk.length > 0 && state) {
        const tasks = toAsk.map((d) => ready.get(key(projectId, d.taskId)) as StoredTask);
        const reasons = new Map(toAsk.map((d) => [d.taskId, d.reason]));
        asked += (await this.approvals.request(state.project, tasks, reasons, now)).length;
      }
      const toDispatch = decisions.filter((d) => d.action === 'dispatch');
      if (toDispatch.length === 0 || !state) continue;
      const runIds = await this.dispatch(
        state,
        toDispatch.map((d) => ready.get(key(projectId, d.taskId)) as StoredTask),
        now,
      );
      dispatchedRunIds.push(...runIds);
    }

    const changed: { projectId: string; key: string; decisions: TickDecision[] }[] = [];
    const groups = groupByProject(plan.decisions);
    for (const { id: projectId } of tickProjects) {
      const decisions = groups.get(projectId) ?? [];
      const decisionKey = JSON.stringify(decisions.map((d) => [d.taskId, d.action]));
      if ((await this.records.lastDecisions(projectId)) === decisionKey) continue;
      changed.push({ projectId, key: decisionKey, decisions });
      const suggested = decisions.filter((d) => d.action === 'suggest').map((d) => d.taskId);
      if (suggested.length > 0) this.log.info('suggest: would dispatch', { projectId, tasks: suggested });
    }
    let inFlight = 0;
    for (const p of tickProjects) inFlight += p.inFlight;
    const expiredRunIds = [...requeuedRunIds, ...timedOutRunIds];
    const seq = await this.records.record(
      changed,
      dispatchedRunIds.length + expiredRunIds.length + asked === 0
        ? undefined
        : (n) => [
            this.envelopes.build(
              AutopilotTickedV1,
              tickedEvent(plan, {
                seq: n,
                durationMs: Math.max(0, this.clock.now() - now),
                dispatchedRunIds,
                expiredRunIds,
                readyTasks: ready.size - dispatchedRunIds.length - asked,
                runningRuns: inFlight + dispatchedRunIds.length,
                suspendedRuns: suspended,
              }),
              { correlationId: `tick-${n}` },
            ),
          ],
    );
    return { seq, decisions: plan.decisions, dispatchedRunIds, requeuedRunIds, timedOutRunIds };
  }

  /** Learned difficulty of ready tasks (domain/learning): history is fetched only for tasks that ran before. */
  private async learnedDifficulty(
    projectId: string,
    ready: readonly StoredTask[],
  ): Promise<Map<string, number>> {
    if (ready.length === 0) return new Map();
    const project = await this.learning.project(projectId);
    const ran = project ? ready.filter((t) => t.value.attempts > 0).map((t) => t.value.id) : [];
    const learned = await this.learning.tasks(projectId, ran);
    return difficulties(
      ready.map((t) => t.value),
      learned,
      project,
    );
  }

  /**
   * Whether this tick requeues the project's runs left in flight by an earlier process
   * (reclaimRunsAtStart): at the first tick since this process started in which the project may
   * run work, until one such tick succeeded.
   */
  private reclaimNow(state: ProjectState): boolean {
    const { project } = state;
    if (!this.settings.reclaimRunsAtStart || this.reclaimed.has(project.id)) return false;
    return !project.paused && (project.autonomyMode === 'semi_auto' || project.autonomyMode === 'full_auto');
  }

  /**
   * The project's runs in flight past their maximum run time failed, those whose lease lapsed
   * requeued; with `reclaimAll`, also every run whose lease was issued before this process began
   * (its worker died with the earlier process), not one this process dispatched or resumed.
   */
  private async reconcile(
    state: ProjectState,
    nowMs: number,
    reclaimAll: boolean,
  ): Promise<{ requeued: string[]; timedOut: string[] }> {
    const requeued: string[] = [];
    const timedOut: string[] = [];
    for (const stored of await this.tasks.runsIn(state.project.id, ['pending', 'running'])) {
      const run = stored.value;
      const startedMs = Date.parse(stored.notes.resumedAt ?? run.startedAt ?? run.createdAt);
      const leaseMs =
        Date.parse(stored.notes.leaseExpiresAt ?? run.updatedAt) +
        (stored.notes.leaseExpiresAt ? 0 : this.settings.runLeaseMs);
      if (nowMs >= startedMs + this.settings.maxRunMs) {
        if (await this.expire(state, stored, 'timed_out', nowMs)) timedOut.push(run.id);
      } else if (nowMs >= leaseMs || (reclaimAll && leaseMs - this.settings.runLeaseMs < this.startedMs)) {
        if (await this.expire(state, stored, 'requeue', nowMs)) requeued.push(run.id);
      }
    }
    return { requeued, timedOut };
  }

  /** One run failed (past its maximum run time) or requeued (lease lapsed), with its task, in one transaction. */
  private async expire(
    state: ProjectState,
    stored: StoredRun,
    how: 'timed_out' | 'requeue',
    nowMs: number,
  ): Promise<boolean> {
    const { project } = state;
    const now = new Date(nowMs).toISOString();
    const hours = this.settings.maxRunMs / 3_600_000;
    const run =
      how === 'requeue'
        ? requeueRun(stored.value, now)
        : endRunByManager(
            stored.value,
            'failed',
            {
              code: 'MANAGER_RUN_TIMED_OUT',
              message: `the run took longer than the maximum run time of ${hours} h`,
            },
            now,
          );
    if (!run) return false;
    const leaseExpiresAt = new Date(nowMs + this.settings.runLeaseMs).toISOString();
    let notes: RunNotes = how === 'requeue' ? { ...stored.notes, leaseExpiresAt } : {};
    const storedTask = await this.tasks.task(project.id, run.taskId);
    const follow = storedTask
      ? taskAfterRun(storedTask.value, storedTask.notes, run, notes, nowMs)
      : undefined;
    if (follow?.signature) notes = { ...notes, signature: follow.signature };
    // Continues the run's own trace (begun at its dispatch), not whatever the tick runs in.
    const routing = {
      correlationId: run.id,
      ...(stored.notes.traceparent !== undefined ? { traceparent: stored.notes.traceparent } : {}),
    };
    const task = follow?.task ?? storedTask?.value;
    const events: Envelope[] = [this.envelopes.build(RunUpdatedV1, run, routing)];
    if (follow) events.push(this.envelopes.build(TaskUpdatedV1, follow.task, routing));
    if (how === 'requeue' && task)
      events.push(
        this.envelopes.build(
          WorkerExecuteRunV1,
          executeRunCommand(project, task, run, notes, leaseExpiresAt, await this.tasks.anchor(project.id)),
          routing,
        ),
      );
    try {
      await this.tasks.commit(
        {
          projectId: project.id,
          tasks:
            follow && storedTask
              ? [{ task: follow.task, expectedVersion: storedTask.version, notes: follow.notes }]
              : [],
          runs: [{ run, expectedVersion: stored.version, notes }],
        },
        events,
        { completesHandling: false },
      );
    } catch (err) {
      if (!hasCode(err, 'STORE_REVISION_CONFLICT')) throw err;
      return false;
    }
    this.log.warn(
      how === 'requeue'
        ? 'run lease lapsed: requeued under a new fencing token'
        : 'run failed: past the maximum run time',
      {
        projectId: project.id,
        taskId: run.taskId,
        runId: run.id,
        fencingToken: run.fencingToken,
      },
    );
    return true;
  }

  /**
   * Where a task's run branch starts: nothing is ever merged into the default branch, so a task
   * whose dependencies succeeded starts from their work, the head of the dependency that succeeded
   * last (a chain of tasks stacks its branches, each reviewed on top of the one before); a task
   * without dependencies starts from the default branch's tip. Dependencies that did not build on
   * each other are not merged here: the newest one's branch is the base, and the report's merge
   * order says what to merge first.
   */
  private async baseFor(projectId: string, task: Task): Promise<string> {
    if (task.dependsOn.length === 0) return DEFAULT_BRANCH_HEAD;
    const deps = await this.tasks.tasksById(projectId, task.dependsOn);
    const runIds = [...deps.values()]
      .map((d) => d.value.lastRunId)
      .filter((id): id is string => id !== undefined);
    let newest: { at: string; head: string } | undefined;
    for (const { value: run, notes } of await this.tasks.runs(runIds)) {
      if (run.status !== 'succeeded' || notes.headCommit === undefined) continue;
      const at = run.finishedAt ?? run.updatedAt;
      if (!newest || at > newest.at) newest = { at, head: notes.headCommit };
    }
    return newest?.head ?? DEFAULT_BRANCH_HEAD;
  }

  /** The project's dispatches in one transaction; the run ids, or none when its tasks changed meanwhile. */
  private async dispatch(
    state: ProjectState,
    tasks: readonly StoredTask[],
    nowMs: number,
  ): Promise<string[]> {
    const { project } = state;
    const now = new Date(nowMs).toISOString();
    const leaseExpiresAt = new Date(nowMs + this.settings.runLeaseMs).toISOString();
    const change = {
      projectId: project.id,
      tasks: [] as { task: Task; expectedVersion: number; notes: StoredTask['notes'] }[],
      runs: [] as { run: Run; expectedVersion: number; notes: RunNotes }[],
    };
    const events: Envelope[] = [];
    const anchor = tasks.length > 0 ? await this.tasks.anchor(project.id) : undefined;
    for (const { value: task, version, notes } of tasks) {
      const baseCommit = await this.baseFor(project.id, task);
      const runId = this.ids.next();
      const attempt = task.attempts + 1;
      const branch = runBranchName(task, runId);
      const queued = moveTask(task, 'queued', now, {
        attempts: attempt,
        currentRunId: runId,
        lastRunId: runId,
      });
      const run: Run = {
        id: runId,
        projectId: project.id,
        taskId: task.id,
        attempt,
        status: 'pending',
        fencingToken: 1,
        branch,
        baseCommit,
        steps: 0,
        costUsd: 0,
        tokens: { input: 0, output: 0 },
        createdAt: now,
        updatedAt: now,
        revision: 1,
      };
      // The backoff and the approval are spent; the loop guard's signatures stay.
      const { notBefore: _, approved: _a, approvalId: _i, ...kept } = notes;
      change.tasks.push({ task: queued, expectedVersion: version, notes: kept });
      // The run's trace starts here, one per run (not the tick's): its dispatch is the root span,
      // and a requeue or resume later continues it from the run's notes.
      const traceparent = this.envelopes.beginTrace('dispatch run', {
        'autopilot.run_id': runId,
        'autopilot.task_id': task.id,
        'autopilot.project_id': project.id,
        'autopilot.run.attempt': attempt,
      });
      const trace = traceparent !== undefined ? { traceparent } : {};
      change.runs.push({ run, expectedVersion: 0, notes: { leaseExpiresAt, ...trace } });
      const routing = { correlationId: runId, ...trace };
      events.push(
        this.envelopes.build(TaskUpdatedV1, queued, routing),
        this.envelopes.build(RunUpdatedV1, run, routing),
        this.envelopes.build(
          WorkerExecuteRunV1,
          executeRunCommand(project, task, run, {}, leaseExpiresAt, anchor),
          routing,
        ),
      );
    }
    try {
      await this.tasks.commit(change, events, { completesHandling: false });
    } catch (err) {
      if (!hasCode(err, 'STORE_REVISION_CONFLICT')) throw err;
      this.log.warn('tick: tasks changed while dispatching; the next tick decides again', {
        projectId: project.id,
      });
      return [];
    }
    return change.runs.map((r) => r.run.id);
  }
}

const key = (projectId: string, taskId: string): string => JSON.stringify([projectId, taskId]);

function groupByProject(decisions: readonly TickDecision[]): Map<string, TickDecision[]> {
  const groups = new Map<string, TickDecision[]>();
  for (const d of decisions) groups.set(d.projectId, [...(groups.get(d.projectId) ?? []), d]);
  return groups;
}
