import { Inject, Injectable } from '@nestjs/common';
import {
  GovernanceRequestApprovalV1,
  TaskUpdatedV1,
  type ApprovalDecidedV1,
  type Envelope,
  type Project,
  type Task,
} from '@autopilot/contracts';
import { Clock, hasCode, IdSource } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { approvalFailureOf } from '../domain/task/approval-failure';
import { moveTask } from '../domain/task/task-evolve';
import type { TaskNotes } from '../domain/task/task-notes';
import { ManagerLog, TaskGraphRepository, TickRequests, type StoredTask } from './ports';
import { SuspendedRunsUseCase, type RunApprovalResult } from './suspended-runs.use-case';

/** What handling one `approval.decided` did. */
export type ApprovalDecisionResult = 'ready' | 'skipped' | 'cancelled' | 'unchanged';

/** Tries when a concurrent commit (the tick, a plan revision) changed the task meanwhile. */
const CONFLICT_TRIES = 5;

/** The risk score governance sees for a task's start, from the planner's coarse grade. */
const RISK_SCORE = { low: 0.2, medium: 0.5, high: 0.8 } as const;

/**
 * semi_auto's approvals before a task starts (DESIGN.md section 5), the manager's side, in two
 * parts (the tick loop needs the first, and the second asks the tick loop for ticks):
 *
 * - ApprovalRequestsUseCase.`request`: the tick's `request_approval` decisions of one project in one transaction: each task
 *   `ready → awaiting_approval` with the approval id it waits for (minted here), its `task.updated`
 *   and a `governance.request_approval` command on the work queue (an action of kind `task_start`
 *   naming the task, its risk and scope). Governance opens the approval and announces it.
 * - TaskApprovalsUseCase.`decided`: `approval.decided` for the approval a task waits for. Approved: the task goes back to
 *   `ready`, marked approved, and the next tick dispatches it within the limits (the approval is
 *   spent by that dispatch: a later attempt asks again). Rejected, or expired with the policy
 *   default `reject`: `cancelled`, with the decision as its failure (`manager.retry_task` reopens
 *   it). Expired with `skip_task`: `skipped`. Any other approval (a run step's, a plan proposal's, a
 *   task no longer waiting for it) and a duplicate change nothing.
 */
@Injectable()
export class ApprovalRequestsUseCase {
  constructor(
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  /** Asks approval for `tasks` (ready, in `project`); the task ids asked, or none when they changed meanwhile. */
  async request(
    project: Project,
    tasks: readonly StoredTask[],
    reasons: ReadonlyMap<string, string>,
    nowMs: number,
  ): Promise<string[]> {
    const now = new Date(nowMs).toISOString();
    const writes: { task: Task; expectedVersion: number; notes: TaskNotes }[] = [];
    const events: Envelope[] = [];
    for (const { value: task, version, notes } of tasks) {
      const approvalId = this.ids.next();
      const waiting = moveTask(task, 'awaiting_approval', now);
      const { approved: _, ...kept } = notes;
      writes.push({ task: waiting, expectedVersion: version, notes: { ...kept, approvalId } });
      const risk = task.risk ?? 'medium';
      const routing = { correlationId: task.id };
      events.push(
        this.envelopes.build(TaskUpdatedV1, waiting, routing),
        this.envelopes.build(
          GovernanceRequestApprovalV1,
          {
            approvalId,
            projectId: project.id,
            taskId: task.id,
            action: {
              kind: 'task_start',
              riskScore: RISK_SCORE[risk],
              paths: task.scopePaths.slice(0, 1000),
              summary: `start task ${task.id} (${risk} risk): ${task.title}`.slice(0, 2000),
            },
            reasons: [
              (
                reasons.get(task.id) ?? `semi_auto: ${risk} risk needs a person's approval before it runs`
              ).slice(0, 1000),
            ],
            ruleIds: ['autonomy.semi_auto'],
          },
          routing,
        ),
      );
    }
    try {
      await this.graphs.commit({ projectId: project.id, tasks: writes, runs: [] }, events, {
        completesHandling: false,
      });
    } catch (err) {
      if (!hasCode(err, 'STORE_REVISION_CONFLICT')) throw err;
      this.log.warn('tick: tasks changed while asking approval; the next tick decides again', {
        projectId: project.id,
      });
      return [];
    }
    for (const w of writes)
      this.log.info('semi_auto: asked approval before starting the task', {
        projectId: project.id,
        taskId: w.task.id,
        approvalId: w.notes.approvalId,
      });
    return writes.map((w) => w.task.id);
  }
}

/** `approval.decided` for a task waiting to start (see ApprovalRequestsUseCase). */
@Injectable()
export class TaskApprovalsUseCase {
  constructor(
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
    @Inject(TickRequests) private readonly ticks: TickRequests,
    private readonly runs: SuspendedRunsUseCase,
  ) {}

  /** Applies `approval.decided` to the task that waits for it, or to the run, when it names one. */
  async decided(approval: ApprovalDecidedV1): Promise<ApprovalDecisionResult | RunApprovalResult> {
    if (approval.runId !== undefined) {
      const result = await this.runs.decided(approval);
      if (result === 'cancelled' || result === 'skipped') this.ticks.request();
      return result;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.decidedOnce(approval);
      } catch (err) {
        if (!hasCode(err, 'STORE_REVISION_CONFLICT') || attempt >= CONFLICT_TRIES) throw err;
      }
    }
  }

  private async decidedOnce(approval: ApprovalDecidedV1): Promise<ApprovalDecisionResult> {
    const { projectId, taskId } = approval;
    const stored = taskId !== undefined ? await this.graphs.task(projectId, taskId) : null;
    const fields = { projectId, taskId, approvalId: approval.id, status: approval.status };
    if (!stored || stored.value.status !== 'awaiting_approval' || stored.notes.approvalId !== approval.id) {
      this.log.info('approval decided for no task waiting to start: nothing to do', fields);
      await this.graphs.commit({ projectId, tasks: [], runs: [] }, [], { completesHandling: true });
      return 'unchanged';
    }
    const now = this.clock.isoNow();
    const { approvalId: _, approved: __, ...notes } = stored.notes;
    let task: Task;
    let result: ApprovalDecisionResult;
    let nextNotes: TaskNotes = notes;
    switch (approval.status) {
      case 'pending':
        return 'unchanged';
      case 'approved':
        task = moveTask(stored.value, 'ready', now);
        nextNotes = { ...notes, approved: true };
        result = 'ready';
        break;
      case 'rejected':
      case 'expired': {
        const skip = approval.status === 'expired' && approval.expiryOutcome === 'skip_task';
        result = skip ? 'skipped' : 'cancelled';
        task = moveTask(stored.value, result, now, { failure: approvalFailureOf(approval) });
        break;
      }
      default: {
        const unknown: never = approval.status;
        throw new Error(`unexpected approval status ${String(unknown)}`);
      }
    }
    await this.graphs.commit(
      { projectId, tasks: [{ task, expectedVersion: stored.version, notes: nextNotes }], runs: [] },
      [this.envelopes.build(TaskUpdatedV1, task, { correlationId: task.id })],
      { completesHandling: true },
    );
    this.log.info(`approval ${approval.status}: task ${result}`, fields);
    this.ticks.request();
    return result;
  }
}
