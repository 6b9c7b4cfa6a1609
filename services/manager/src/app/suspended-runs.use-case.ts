import { Inject, Injectable } from '@nestjs/common';
import {
  GovernanceWithdrawApprovalV1,
  RunUpdatedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type ApprovalDecidedV1,
  type Envelope,
  type Task,
} from '@autopilot/contracts';
import { Clock, hasCode } from '@autopilot/kernel';
import { OutboxEnvelopes, ServiceSettings } from '@autopilot/runtime';
import type { ProjectState } from '../domain/project/project';
import { executeRunCommand } from '../domain/run/execute-run-command';
import type { RunApprovalDecision } from '../domain/run/run-notes';
import { runAfterApproval, runAfterBudgetWindow } from '../domain/run/run-resumption';
import { approvalFailureOf } from '../domain/task/approval-failure';
import { taskAfterRun } from '../domain/task/task-after-run';
import { moveTask } from '../domain/task/task-evolve';
import type { ManagerSettings } from '../manager-settings';
import {
  ManagerLog,
  ProjectRepository,
  TaskGraphRepository,
  type StoredRun,
  type TaskGraphChange,
} from './ports';

/** What handling one `approval.decided` for a run did. */
export type RunApprovalResult = 'resumed' | 'cancelled' | 'skipped' | 'noted' | 'unchanged';

/** Tries when a concurrent commit (the tick, a worker report) changed the run meanwhile. */
const CONFLICT_TRIES = 5;

/**
 * Suspended runs (DESIGN.md section 5), the manager's side of their way back:
 *
 * - `decided`: `approval.decided` for a run's approval (a step that needed a person, or "continue
 *   with $X more" after the run reached its own cap). The decision is kept on the run first, so
 *   it is never lost when it arrives before the worker's `run.suspended`, and applied at once
 *   when the run is suspended on it: approved, the run goes back to `pending` under a new fencing
 *   token with a `worker.execute_run` that resumes from its checkpoint (any worker takes it, with
 *   the extra budget added); rejected or expired, the run and its task are cancelled (or the task
 *   skipped, the policy's `skip_task` default), the branch kept for inspection.
 * - `settleDue` (the tick, for projects with suspended runs): applies kept decisions whose run is
 *   now suspended on them, resumes approved runs of a project that runs again, and resumes runs
 *   that waited only for a day's or week's cap to reopen.
 *
 * A resumed run takes no new slot from the tick's parallelism: its task held its place while it
 * waited (`awaiting_approval` counts as in flight). The tick uses this, so it asks for no ticks
 * itself; TaskApprovalsUseCase routes run approvals here and asks for one.
 */
@Injectable()
export class SuspendedRunsUseCase {
  constructor(
    @Inject(TaskGraphRepository) private readonly graphs: TaskGraphRepository,
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ServiceSettings) private readonly settings: ManagerSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  async decided(approval: ApprovalDecidedV1): Promise<RunApprovalResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.decidedOnce(approval);
      } catch (err) {
        if (!hasCode(err, 'STORE_REVISION_CONFLICT') || attempt >= CONFLICT_TRIES) throw err;
      }
    }
  }

  /** Settles the project's suspended runs whose wait is over; the run ids that moved. */
  async settleDue(state: ProjectState, nowMs: number): Promise<string[]> {
    const moved: string[] = [];
    for (const stored of await this.graphs.runsIn(state.project.id, ['suspended'])) {
      try {
        const result = await this.settle(state, stored, nowMs, false);
        if (result !== 'unchanged' && result !== 'noted') moved.push(stored.value.id);
      } catch (err) {
        if (!hasCode(err, 'STORE_REVISION_CONFLICT')) throw err;
        // A report or a decision moved the run meanwhile: the next tick looks again.
      }
    }
    return moved;
  }

  private async decidedOnce(approval: ApprovalDecidedV1): Promise<RunApprovalResult> {
    const { projectId, runId } = approval;
    const fields = { projectId, runId, approvalId: approval.id, status: approval.status };
    const [stored] = runId !== undefined ? await this.graphs.runs([runId]) : [];
    const project = await this.projects.get(projectId);
    if (
      approval.status === 'pending' ||
      !stored ||
      !project ||
      stored.value.projectId !== projectId ||
      !['pending', 'running', 'suspended'].includes(stored.value.status) ||
      (stored.value.status === 'suspended' && stored.value.approvalId !== approval.id) ||
      stored.notes.approvalDecision?.approvalId === approval.id ||
      stored.notes.appliedApprovalId === approval.id
    ) {
      this.log.info('approval decided for no run waiting on it: nothing to do', fields);
      await this.graphs.commit({ projectId, tasks: [], runs: [] }, [], { completesHandling: true });
      return 'unchanged';
    }
    const decision: RunApprovalDecision = {
      approvalId: approval.id,
      approved: approval.status === 'approved',
      extraUsd:
        approval.status === 'approved' && approval.action.kind === 'budget_extension'
          ? (approval.action.budget?.extraUsd ?? 0)
          : 0,
      skipTask: approval.status === 'expired' && approval.expiryOutcome === 'skip_task',
      ...(approval.status !== 'approved' ? { failure: approvalFailureOf(approval) } : {}),
    };
    const noted: StoredRun = { ...stored, notes: { ...stored.notes, approvalDecision: decision } };
    const result = await this.settle(project.value, noted, this.clock.now(), true);
    this.log.info(`run approval ${approval.status}: run ${result}`, fields);
    return result;
  }

  /**
   * Applies what `stored` waits for, if it is over, in one commit with its task and messages; with
   * `completesHandling` the commit also records the message being handled (and is made even when
   * nothing moves, to keep a decision noted on the run).
   */
  private async settle(
    state: ProjectState,
    stored: StoredRun,
    nowMs: number,
    completesHandling: boolean,
  ): Promise<RunApprovalResult> {
    const { project } = state;
    const now = new Date(nowMs).toISOString();
    const leaseExpiresAt = new Date(nowMs + this.settings.runLeaseMs).toISOString();
    const projectRuns =
      !project.paused && (project.autonomyMode === 'semi_auto' || project.autonomyMode === 'full_auto');
    const input = { projectRuns, now, leaseExpiresAt, caps: project.budgets };
    const afterApproval = runAfterApproval(stored.value, stored.notes, input);
    const afterWindow =
      afterApproval.kind === 'waits' ? runAfterBudgetWindow(stored.value, stored.notes, input) : undefined;
    const next =
      afterApproval.kind !== 'waits'
        ? afterApproval
        : afterWindow
          ? { kind: 'resumed' as const, ...afterWindow }
          : undefined;
    if (!next) {
      if (completesHandling)
        await this.graphs.commit(
          {
            projectId: project.id,
            tasks: [],
            runs: [{ run: stored.value, expectedVersion: stored.version, notes: stored.notes }],
          },
          [],
          { completesHandling: true },
        );
      return 'noted';
    }

    const { run, notes } = next;
    const storedTask = await this.graphs.task(project.id, run.taskId);
    const follow = storedTask
      ? taskAfterRun(storedTask.value, storedTask.notes, run, notes, nowMs)
      : undefined;
    let task: Task | undefined = follow?.task;
    if (next.kind === 'ended' && next.skipTask && storedTask && follow) {
      task = moveTask(storedTask.value, 'skipped', now, {
        ...(run.failure ? { failure: run.failure } : {}),
      });
    }
    // The run's own trace (begun at its dispatch), not the trace of the decision that resumes it.
    const routing = {
      correlationId: run.id,
      ...(notes.traceparent !== undefined ? { traceparent: notes.traceparent } : {}),
    };
    const events: Envelope[] = [this.envelopes.build(RunUpdatedV1, run, routing)];
    if (task) events.push(this.envelopes.build(TaskUpdatedV1, task, routing));
    if (afterWindow?.withdrawnApprovalId !== undefined)
      events.push(
        this.envelopes.build(
          GovernanceWithdrawApprovalV1,
          {
            approvalId: afterWindow.withdrawnApprovalId,
            projectId: project.id,
            reason: `run ${run.id} resumed: its project's run cap was raised to $${project.budgets.runUsd.toFixed(2)}`,
          },
          routing,
        ),
      );
    if (next.kind === 'resumed' && storedTask)
      events.push(
        this.envelopes.build(
          WorkerExecuteRunV1,
          executeRunCommand(
            project,
            storedTask.value,
            run,
            notes,
            leaseExpiresAt,
            await this.graphs.anchor(project.id),
          ),
          routing,
        ),
      );
    const change: TaskGraphChange = {
      projectId: project.id,
      tasks:
        task && storedTask && follow
          ? [{ task, expectedVersion: storedTask.version, notes: follow.notes }]
          : [],
      runs: [{ run, expectedVersion: stored.version, notes }],
    };
    await this.graphs.commit(change, events, { completesHandling });
    const result: RunApprovalResult =
      next.kind === 'resumed' ? 'resumed' : next.skipTask ? 'skipped' : 'cancelled';
    this.log.info(
      next.kind === 'resumed'
        ? 'suspended run resumed from its checkpoint'
        : `suspended run ended: ${run.failure?.message ?? 'cancelled'}`,
      { projectId: project.id, taskId: run.taskId, runId: run.id, fencingToken: run.fencingToken },
    );
    return result;
  }
}
