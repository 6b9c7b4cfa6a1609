import { Inject, Injectable } from '@nestjs/common';
import {
  PlanChangeMismatchError,
  PlannerAnnouncePlanV1,
  wholeTasksGenerated,
  type TasksGeneratedV1,
  type TasksGeneratedV2,
} from '@autopilot/contracts';
import { OutboxEnvelopes } from '@autopilot/runtime';
import type { PlanRevisionResult } from '../domain/plan-revision/apply-plan-revision';
import { ApplyTaskGraphUseCase } from './apply-task-graph.use-case';
import { HeldTaskGraphs } from './held-task-graphs';
import { ManagerLog, TaskGraphRepository } from './ports';

/** The longest job id `cmd.planner.announce_plan` carries (its `Id`). */
const MAX_JOB_ID_LENGTH = 128;

/** What a `tasks.generated` v2 came to. */
export type TaskGraphChangeOutcome =
  | { readonly kind: 'applied'; readonly whole: TasksGeneratedV1; readonly result: PlanRevisionResult }
  | { readonly kind: 'asked'; readonly reason: string };

/**
 * `tasks.generated` v2 → the whole graph, from the base this process holds (HeldTaskGraphs), applied
 * exactly as v1 would be (ApplyTaskGraphUseCase). Without that base (a restart, a late start, a plan
 * pushed out, a change against another revision) nothing can be applied: the manager asks the planner
 * to announce the revision whole (`cmd.planner.announce_plan`, committed with the message recorded
 * as handled), and the v1 that answers is applied and held as usual.
 */
@Injectable()
export class ApplyTaskGraphChangeUseCase {
  constructor(
    @Inject(HeldTaskGraphs) private readonly held: HeldTaskGraphs,
    @Inject(ApplyTaskGraphUseCase) private readonly applyTaskGraph: ApplyTaskGraphUseCase,
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  /** `jobId`: the job the change was announced for (its envelope's correlation), if any. */
  async execute(change: TasksGeneratedV2, jobId: string | undefined): Promise<TaskGraphChangeOutcome> {
    const base = this.held.get(change.planId);
    if (!base) return this.askForWhole(change, jobId, 'its base revision is not held', undefined);
    let whole: TasksGeneratedV1;
    try {
      whole = wholeTasksGenerated(change, base);
    } catch (err) {
      if (!(err instanceof PlanChangeMismatchError)) throw err;
      return this.askForWhole(change, jobId, err.problem, base);
    }
    return { kind: 'applied', whole, result: await this.applyTaskGraph.execute(whole) };
  }

  private async askForWhole(
    change: TasksGeneratedV2,
    jobId: string | undefined,
    reason: string,
    held: TasksGeneratedV1 | undefined,
  ): Promise<TaskGraphChangeOutcome> {
    const { projectId, planId, planRevision } = change;
    // A correlation the command cannot carry is left out: asking matters more than the correlation.
    const job = jobId && jobId.length <= MAX_JOB_ID_LENGTH ? jobId : undefined;
    const command: PlannerAnnouncePlanV1 = {
      projectId,
      planId,
      revision: planRevision,
      ...(job !== undefined ? { jobId: job } : {}),
    };
    const envelope = this.envelopes.build(
      PlannerAnnouncePlanV1,
      command,
      job !== undefined ? { correlationId: job } : {},
    );
    await this.graphs.commit({ projectId, tasks: [], runs: [] }, [envelope], { completesHandling: true });
    this.log.info('tasks.generated change not applied; asked the planner to announce the revision whole', {
      projectId,
      planId,
      planRevision,
      baseRevision: change.base.revision,
      baseGeneratedAt: change.base.generatedAt,
      ...(held ? { heldRevision: held.planRevision, heldGeneratedAt: held.generatedAt } : {}),
      reason,
    });
    return { kind: 'asked', reason };
  }
}
