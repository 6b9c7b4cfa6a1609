import { Inject, Injectable } from '@nestjs/common';
import {
  AutopilotTickedV1,
  RunUpdatedV1,
  TaskUpdatedV1,
  taskSpecProperties,
  WorkerExecuteRunV1,
  type Envelope,
  type Run,
  type Task,
  type TaskSpec,
} from '@autopilot/contracts';
import { Clock, hasCode, IdSource } from '@autopilot/kernel';
import { OutboxEnvelopes, ServiceSettings } from '@autopilot/runtime';
import type { ProjectState } from '../domain/project/project';
import { moveTask } from '../domain/task/task-evolve';
import { decideTick } from '../domain/tick/decide-tick';
import { tickedEvent } from '../domain/tick/ticked-event';
import type { TickCandidate, TickDecision, TickProject } from '../domain/tick/tick-types';
import type { ManagerSettings } from '../manager-settings';
import {
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
  TickRecordRepository,
  type Versioned,
} from './ports';

/** How long a worker holds a run before it must renew the lease (the worker renews while it works). */
export const RUN_LEASE_MS = 10 * 60_000;

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
}

const SPEC_KEYS = Object.keys(taskSpecProperties) as (keyof TaskSpec)[];

/**
 * One autopilot tick: loads every project that is not off, its ready tasks and its runs in flight,
 * asks decideTick what to do, and carries out each project's dispatches in one transaction (the
 * task ready → queued, a pending run with a fresh lease, `task.updated`, `run.updated` and the
 * `worker.execute_run` command on the work queue). A project whose tasks changed meanwhile loses
 * its transaction (compare-and-set) and waits for the next tick. Each project's decisions are
 * recorded when they differ from its last ones (suggest mode's "would run" lives there, with the
 * reason every other task waits); `autopilot.ticked` announces a tick that dispatched.
 */
@Injectable()
export class RunTickUseCase {
  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(TaskGraphRepository) private readonly tasks: TaskGraphRepository,
    @Inject(TickRecordRepository) private readonly records: TickRecordRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ServiceSettings) private readonly settings: ManagerSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  async execute(): Promise<TickReport> {
    const now = this.clock.now();
    const live = (await this.projects.list()).filter((p) => p.value.project.autonomyMode !== 'off');
    const byId = new Map<string, ProjectState>(live.map((p) => [p.value.project.id, p.value]));
    const tickProjects: TickProject[] = [];
    const candidates: TickCandidate[] = [];
    const ready = new Map<string, Versioned<Task>>();
    let suspended = 0;
    for (const { value } of live) {
      const { project, pauseReason } = value;
      const counts = await this.tasks.runCounts(project.id);
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
      for (const t of await this.tasks.tasksIn(project.id, 'ready')) {
        ready.set(key(project.id, t.value.id), t);
        candidates.push({
          taskId: t.value.id,
          projectId: project.id,
          ...(t.value.priority !== undefined ? { priority: t.value.priority } : {}),
          ...(t.value.risk !== undefined ? { risk: t.value.risk } : {}),
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
    for (const [projectId, decisions] of groupByProject(plan.decisions)) {
      const toDispatch = decisions.filter((d) => d.action === 'dispatch');
      const state = byId.get(projectId);
      if (toDispatch.length === 0 || !state) continue;
      const runIds = await this.dispatch(
        state,
        toDispatch.map((d) => ready.get(key(projectId, d.taskId)) as Versioned<Task>),
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
    const seq = await this.records.record(
      changed,
      dispatchedRunIds.length === 0
        ? undefined
        : (n) => [
            this.envelopes.build(
              AutopilotTickedV1,
              tickedEvent(plan, {
                seq: n,
                durationMs: Math.max(0, this.clock.now() - now),
                dispatchedRunIds,
                expiredRunIds: [],
                readyTasks: ready.size - dispatchedRunIds.length,
                runningRuns: inFlight + dispatchedRunIds.length,
                suspendedRuns: suspended,
              }),
              { correlationId: `tick-${n}` },
            ),
          ],
    );
    return { seq, decisions: plan.decisions, dispatchedRunIds };
  }

  /** The project's dispatches in one transaction; the run ids, or none when its tasks changed meanwhile. */
  private async dispatch(
    state: ProjectState,
    tasks: readonly Versioned<Task>[],
    nowMs: number,
  ): Promise<string[]> {
    const { project } = state;
    const now = new Date(nowMs).toISOString();
    const leaseExpiresAt = new Date(nowMs + RUN_LEASE_MS).toISOString();
    const change = {
      projectId: project.id,
      tasks: [] as { task: Task; expectedVersion: number }[],
      runs: [] as { run: Run; expectedVersion: number }[],
    };
    const events: Envelope[] = [];
    for (const { value: task, version } of tasks) {
      const runId = this.ids.next();
      const attempt = task.attempts + 1;
      const branch = `autopilot/${task.id}/${runId}`;
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
        baseCommit: DEFAULT_BRANCH_HEAD,
        steps: 0,
        costUsd: 0,
        tokens: { input: 0, output: 0 },
        createdAt: now,
        updatedAt: now,
        revision: 1,
      };
      change.tasks.push({ task: queued, expectedVersion: version });
      change.runs.push({ run, expectedVersion: 0 });
      const routing = { correlationId: runId };
      events.push(
        this.envelopes.build(TaskUpdatedV1, queued, routing),
        this.envelopes.build(RunUpdatedV1, run, routing),
        this.envelopes.build(
          WorkerExecuteRunV1,
          {
            runId,
            taskId: task.id,
            projectId: project.id,
            attempt,
            fencingToken: run.fencingToken,
            leaseExpiresAt,
            task: specOf(task),
            repo: project.repo,
            baseCommit: run.baseCommit,
            branch,
            autonomyMode: project.autonomyMode,
            budgetUsd: project.budgets.runUsd,
          },
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

/** The planner's spec of the task: exactly the contract's spec fields. */
function specOf(task: Task): TaskSpec {
  const spec: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) if (task[k] !== undefined) spec[k] = task[k];
  return spec as unknown as TaskSpec;
}
