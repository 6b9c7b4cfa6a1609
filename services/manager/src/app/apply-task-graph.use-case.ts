import { Inject, Injectable } from '@nestjs/common';
import {
  RunUpdatedV1,
  TaskUpdatedV1,
  type Envelope,
  type Run,
  type TasksGeneratedV1,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { applyPlanRevision, type PlanRevisionResult } from '../domain/plan-revision/apply-plan-revision';
import { isFinalRun, transitionRun } from '../domain/run/run-lifecycle';
import { TaskGraphError } from '../domain/task/task-graph-error';
import { HeldTaskGraphs } from './held-task-graphs';
import { InvalidTaskGraphError } from './manager-errors';
import { ManagerLog, ProjectRepository, TaskGraphRepository, TickRequests } from './ports';

/** Attempts a new task gets. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * `tasks.generated` → the project's stored task graph, by applyPlanRevision: one `task.updated` per
 * task whose state changed, runs of reset or removed tasks cancelled (`run.updated`), the applied
 * revision recorded, and the message recorded as handled, all in one transaction. A revision not
 * newer than the applied one (a replay) changes nothing. Once handled, the graph is held
 * (HeldTaskGraphs) as the base of the next revision told as a change (`tasks.generated` v2).
 *
 * Tasks for a project the manager does not hold yet are stored all the same: planning may run
 * before the project is created (`autopilot plan --project`), and refusing the graph would lose it
 * (the planner announces a revision once). Nothing of them runs until `manager.create_project`
 * creates the project, whose tick then finds them ready.
 */
@Injectable()
export class ApplyTaskGraphUseCase {
  constructor(
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
    @Inject(TickRequests) private readonly ticks: TickRequests,
    @Inject(HeldTaskGraphs) private readonly held: HeldTaskGraphs,
  ) {}

  async execute(graph: TasksGeneratedV1): Promise<PlanRevisionResult> {
    const { projectId, planId, planRevision } = graph;
    const stored = await this.graphs.load(projectId);
    const now = this.clock.isoNow();
    let result: PlanRevisionResult;
    try {
      result = applyPlanRevision({
        tasks: [...stored.tasks.values()].map((t) => t.value),
        applied: stored.applied,
        graph,
        now,
        maxAttempts: DEFAULT_MAX_ATTEMPTS,
      });
    } catch (err) {
      if (err instanceof TaskGraphError)
        throw new InvalidTaskGraphError(projectId, planId, planRevision, { cause: err });
      throw err;
    }
    if (result.kind === 'stale') {
      this.log.info('tasks.generated not applied', {
        projectId,
        planId,
        planRevision,
        reason: result.reason,
      });
      await this.graphs.commit({ projectId, tasks: [], runs: [] }, [], { completesHandling: true });
      // A revision announced again whole, on request, is how a manager that asked gets its base.
      this.held.remember(graph);
      return result;
    }

    const cancelled: { run: Run; expectedVersion: number }[] = [];
    for (const { value: run, version } of await this.graphs.runs(result.runsToCancel)) {
      if (isFinalRun(run.status)) continue;
      const failure = {
        code: 'MANAGER_TASK_REPLANNED',
        message: `task ${run.taskId} changed or was removed by plan ${planId} revision ${planRevision}`,
      };
      cancelled.push({
        run: {
          ...run,
          status: transitionRun(run, 'cancelled'),
          failure,
          finishedAt: now,
          updatedAt: now,
          revision: run.revision + 1,
        },
        expectedVersion: version,
      });
    }
    const events: Envelope[] = [
      ...result.changed.map((task) => this.envelopes.build(TaskUpdatedV1, task)),
      ...cancelled.map(({ run }) => this.envelopes.build(RunUpdatedV1, run, { correlationId: run.id })),
    ];
    await this.graphs.commit(
      {
        projectId,
        head: {
          applied: { planId, planRevision },
          ...(graph.anchor ? { anchor: graph.anchor } : {}),
          expectedVersion: stored.version,
        },
        tasks: result.changed.map((task) => ({
          task,
          expectedVersion: stored.tasks.get(task.id)?.version ?? 0,
        })),
        runs: cancelled,
        planDelta: {
          tasks: graph.tasks.length,
          added: result.added.length,
          removed: result.removed.length,
          changed: result.reset.length + result.rescheduled.length,
        },
      },
      events,
      { completesHandling: true },
    );
    this.held.remember(graph);
    if (await this.projects.get(projectId)) this.ticks.request();
    else
      this.log.info('tasks stored for a project that does not exist yet; they run once it is created', {
        projectId,
        planId,
        planRevision,
      });
    return result;
  }
}
