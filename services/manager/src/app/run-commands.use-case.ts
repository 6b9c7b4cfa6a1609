import { Inject, Injectable } from '@nestjs/common';
import {
  ProjectUpdatedV1,
  RunUpdatedV1,
  TaskUpdatedV1,
  type Actor,
  type Envelope,
  type Failure,
  type ManagerAbortProjectV1,
  type ManagerCancelRunV1,
  type ManagerRetryTaskV1,
  type Run,
  type Task,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { pauseProject, type ProjectState } from '../domain/project/project';
import { UnknownProjectError } from '../domain/project/project-errors';
import { endRunByManager } from '../domain/run/run-results';
import { taskAfterRun } from '../domain/task/task-after-run';
import { moveTask } from '../domain/task/task-evolve';
import { isTerminalTask } from '../domain/task/task-lifecycle';
import type { TaskNotes } from '../domain/task/task-notes';
import { DEFAULT_MAX_ATTEMPTS } from './apply-task-graph.use-case';
import { TaskNotRetryableError, UnknownRunError, UnknownTaskError } from './manager-errors';
import {
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
  TickRequests,
  type StoredRun,
  type Versioned,
} from './ports';

/** What a run command did. */
export type RunCommandResult = 'changed' | 'unchanged';

type TaskWrite = { task: Task; expectedVersion: number; notes?: TaskNotes };
type RunWrite = { run: Run; expectedVersion: number };

/**
 * The commands on tasks and runs:
 *
 * - `manager.retry_task`: a failed or cancelled task reopens (ready when every dependency
 *   succeeded, else blocked) with a fresh allowance of attempts (its limit becomes the runs it had
 *   plus the default), its backoff and the loop guard's signatures cleared: a person looked at it.
 *   A task already going again is a no-op; any other status is refused.
 * - `manager.cancel_run`: the run ends `cancelled` and its task `cancelled` (retry_task reopens it;
 *   back to ready would only dispatch it again at the next tick). The run's fencing token moves on,
 *   so whatever its worker reports later is refused.
 * - `manager.abort_project`: every task not finished is cancelled, every run in flight (pending,
 *   running, suspended) cancelled the same way, and the project paused (kind `aborted`).
 *
 * No contract tells a worker to stop: a cancelled run's worker learns it only when its reports are
 * refused (it keeps working until its next report, and its result is dropped). Unknown ids are
 * refused with a NonRetryableError naming them (logged, dead-lettered); a cancel of a run that
 * already ended is a no-op.
 */
@Injectable()
export class RunCommandsUseCase {
  constructor(
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
    @Inject(TickRequests) private readonly ticks: TickRequests,
  ) {}

  async retryTask(command: ManagerRetryTaskV1): Promise<RunCommandResult> {
    const { projectId, taskId } = command;
    await this.project(projectId, 'manager.retry_task');
    const graph = await this.graphs.load(projectId);
    const stored = graph.tasks.get(taskId);
    if (!stored) throw new UnknownTaskError(projectId, taskId, 'manager.retry_task');
    const task = stored.value;
    if (task.status !== 'failed' && task.status !== 'cancelled') {
      if (!isTerminalTask(task.status) && task.status !== 'blocked') {
        this.log.info('manager.retry_task: the task is already going again', { projectId, taskId });
        return this.acknowledge(projectId);
      }
      throw new TaskNotRetryableError(projectId, taskId, task.status);
    }
    const met = task.dependsOn.every((dep) => graph.tasks.get(dep)?.value.status === 'succeeded');
    const { failure: _, currentRunId: __, ...rest } = task;
    const reopened = moveTask(rest as Task, met ? 'ready' : 'blocked', this.clock.isoNow(), {
      maxAttempts: task.attempts + DEFAULT_MAX_ATTEMPTS,
    });
    await this.graphs.commit(
      { projectId, tasks: [{ task: reopened, expectedVersion: stored.version, notes: {} }], runs: [] },
      [this.envelopes.build(TaskUpdatedV1, reopened)],
      { completesHandling: true },
    );
    this.ticks.request();
    return 'changed';
  }

  async cancelRun(command: ManagerCancelRunV1): Promise<RunCommandResult> {
    const { projectId, runId } = command;
    await this.project(projectId, 'manager.cancel_run');
    const [stored] = await this.graphs.runs([runId]);
    if (!stored || stored.value.projectId !== projectId)
      throw new UnknownRunError(projectId, runId, 'manager.cancel_run');
    const failure = cancelled('cancelled', command.requestedBy, command.reason);
    const writes = await this.cancel(projectId, [stored], failure);
    if (writes.runs.length === 0) {
      this.log.info('manager.cancel_run: the run already ended', {
        projectId,
        runId,
        status: stored.value.status,
      });
      return this.acknowledge(projectId);
    }
    await this.graphs.commit({ projectId, ...writes }, this.events(writes), { completesHandling: true });
    this.ticks.request();
    return 'changed';
  }

  async abortProject(command: ManagerAbortProjectV1): Promise<RunCommandResult> {
    const { projectId } = command;
    const project = await this.project(projectId, 'manager.abort_project');
    const failure = cancelled('aborted with its project', command.requestedBy, command.reason);
    const runs = await this.graphs.runsIn(projectId, ['pending', 'running', 'suspended']);
    const writes = await this.cancel(projectId, runs, failure);
    // Every other task not finished yet (blocked, ready, or queued under a run that ended meanwhile).
    const now = this.clock.isoNow();
    const touched = new Set(writes.tasks.map((t) => t.task.id));
    for (const { value: task, version } of (await this.graphs.load(projectId)).tasks.values()) {
      if (touched.has(task.id) || isTerminalTask(task.status)) continue;
      const { currentRunId: _, ...rest } = task;
      writes.tasks.push({
        task: moveTask(rest as Task, 'cancelled', now, { failure }),
        expectedVersion: version,
      });
    }
    const paused = pauseProject(
      project.value,
      {
        kind: 'aborted',
        reason: failure.message,
        unblock:
          'retry the cancelled tasks that should still run (manager.retry_task), then resume the project',
      },
      now,
    );
    // The project's commit completes the handling; when it changes nothing, the graph's does.
    await this.graphs.commit({ projectId, ...writes }, this.events(writes), {
      completesHandling: paused.kind === 'unchanged',
    });
    if (paused.kind === 'changed') {
      await this.projects.commit(paused.state, project.version, [
        this.envelopes.build(ProjectUpdatedV1, paused.state.project),
      ]);
    }
    this.log.warn('project aborted', {
      projectId,
      cancelledRuns: writes.runs.map((r) => r.run.id),
      cancelledTasks: writes.tasks.length,
    });
    this.ticks.request();
    return writes.runs.length + writes.tasks.length > 0 || paused.kind === 'changed'
      ? 'changed'
      : 'unchanged';
  }

  /** The runs cancelled (fencing token moved on) and their tasks following. */
  private async cancel(
    projectId: string,
    runs: readonly StoredRun[],
    failure: Failure,
  ): Promise<{ tasks: TaskWrite[]; runs: RunWrite[] }> {
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString();
    const writes = { tasks: [] as TaskWrite[], runs: [] as RunWrite[] };
    for (const stored of runs) {
      const run = endRunByManager(stored.value, 'cancelled', failure, now);
      if (!run) continue;
      writes.runs.push({ run, expectedVersion: stored.version });
      const task = await this.graphs.task(projectId, run.taskId);
      const follow = task ? taskAfterRun(task.value, task.notes, run, {}, nowMs) : undefined;
      if (follow && task)
        writes.tasks.push({
          task: { ...follow.task, failure },
          expectedVersion: task.version,
          notes: follow.notes,
        });
    }
    return writes;
  }

  private events(writes: { tasks: TaskWrite[]; runs: RunWrite[] }): Envelope[] {
    return [
      ...writes.runs.map(({ run }) => this.envelopes.build(RunUpdatedV1, run, { correlationId: run.id })),
      ...writes.tasks.map(({ task }) => this.envelopes.build(TaskUpdatedV1, task)),
    ];
  }

  private async project(projectId: string, command: string): Promise<Versioned<ProjectState>> {
    const stored = await this.projects.get(projectId);
    if (!stored) throw new UnknownProjectError(projectId, command);
    return stored;
  }

  private async acknowledge(projectId: string): Promise<RunCommandResult> {
    await this.graphs.commit({ projectId, tasks: [], runs: [] }, [], { completesHandling: true });
    return 'unchanged';
  }
}

function cancelled(what: string, by: Actor, reason: string | undefined): Failure {
  return {
    code: 'MANAGER_RUN_CANCELLED',
    message: `${what} by ${by.kind} ${by.id}${reason ? `: ${reason}` : ''}`,
  };
}
