import {
  GovernanceRequestApprovalV1,
  GovernanceWithdrawApprovalV1,
  WorkerExecuteRunV1,
  type Approval,
  type Envelope,
  type GovernanceRequestApprovalV1 as RequestApproval,
  type GovernanceWithdrawApprovalV1 as WithdrawApproval,
  type Run,
  type Task,
  type WorkerExecuteRunV1 as ExecuteRun,
} from '@autopilot/contracts';
import { runFinished, runStarted, runSuspended } from '@autopilot/testing';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

/**
 * Suspended runs on their way back (issue 14: "budget exhaustion inside a running run suspends the
 * run and raises an approval 'continue with $X more'"; DESIGN.md section 5: a suspended run resumes
 * from its checkpoint on a later dispatch).
 */
describe('SuspendedRunsUseCase with the reports and the tick (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  const of = async <T>(type: string): Promise<T[]> =>
    (await f.outbox()).filter((e: Envelope) => e.type === type).map((e) => e.data as T);
  const commands = async (taskId: string): Promise<ExecuteRun[]> =>
    (await of<ExecuteRun>(WorkerExecuteRunV1.type)).filter((c) => c.taskId === taskId);
  const task = async (id: string): Promise<Task> => (await f.graphs.task('p1', id))?.value as Task;
  const run = async (id: string): Promise<Run> => (await f.graphs.runs([id]))[0]?.value as Run;
  const now = (): string => f.clock.isoNow();

  /** Project p1 (run cap $5) with task a dispatched and started; its execute_run command. */
  async function started(mode: 'full_auto' | 'semi_auto' = 'full_auto'): Promise<ExecuteRun> {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { autonomyMode: mode, maxParallel: 2 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a', [], { risk: 'low' })]));
    await f.tick.execute();
    const [a] = await commands('a');
    await f.reports.started(runStarted(a!, now()));
    return a!;
  }

  const approval = (id: string, runId: string, extra: Partial<Approval> = {}): Approval => ({
    id,
    projectId: 'p1',
    taskId: 'a',
    runId,
    action: { kind: 'file_write', riskScore: 0.5, paths: ['.github/workflows/ci.yml'] },
    reasons: ['protected path'],
    ruleIds: ['policy.protected'],
    motivation: {},
    status: 'approved',
    requestedAt: '2026-03-02T10:00:00.000Z',
    decidedAt: '2026-03-02T10:05:00.000Z',
    decidedBy: { kind: 'user', id: 'ada' },
    revision: 2,
    ...extra,
  });

  it('a run out of its own budget asks "continue with $X more"; approved, it resumes from its checkpoint with the extra budget', async () => {
    const a = await started();
    await f.reports.suspended(
      runSuspended(a, now(), {
        reason: 'awaiting_budget',
        approvalId: undefined,
        exceededScope: 'run',
        requestedUsd: 0.4,
        costUsd: 4.8,
      }),
    );
    const [ask] = await of<RequestApproval>(GovernanceRequestApprovalV1.type);
    expect(ask).toMatchObject({
      projectId: 'p1',
      taskId: 'a',
      runId: a.runId,
      action: { kind: 'budget_extension', budget: { runId: a.runId, extraUsd: 5 } },
      ruleIds: ['budget.run_cap'],
    });
    expect(ask!.action.summary).toBe(
      `continue run ${a.runId} with $5.00 more (it spent $4.80 of its $5.00 cap)`,
    );
    expect(await run(a.runId)).toMatchObject({ status: 'suspended', approvalId: ask!.approvalId });
    expect(await task('a')).toMatchObject({ status: 'awaiting_approval' });
    // The project is not paused: only this run waits.
    expect((await f.projects.get('p1'))?.value.project.paused).toBe(false);

    const decision = approval(ask!.approvalId, a.runId, { action: ask!.action });
    expect(await f.approvals.decided(decision)).toBe('resumed');
    const resumed = (await commands('a')).at(-1)!;
    expect(resumed).toMatchObject({
      runId: a.runId,
      fencingToken: 2,
      resumeFrom: { commit: 'b'.repeat(40), lastStepSeq: 1 },
      budgetUsd: 10,
      branch: a.branch,
    });
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 2 });
    expect(await task('a')).toMatchObject({ status: 'queued', currentRunId: a.runId });
    // A duplicate decision changes nothing; the stale worker's late report is refused.
    expect(await f.approvals.decided(decision)).toBe('unchanged');
    expect((await commands('a')).length).toBe(2);
    expect(await f.reports.finished(runFinished(a, 'succeeded', now()))).toBe('refused');
    expect(await f.reports.finished(runFinished(resumed, 'succeeded', now()))).toBe('changed');
    expect(await task('a')).toMatchObject({ status: 'succeeded' });
  });

  it('a decision that arrives before the worker reports the suspension is kept and applied by the next tick', async () => {
    const a = await started();
    const decision = approval(`approval-${a.runId}`, a.runId);
    expect(await f.approvals.decided(decision)).toBe('noted');
    expect(await run(a.runId)).toMatchObject({ status: 'running' });
    await f.reports.suspended(runSuspended(a, now()));
    expect(await run(a.runId)).toMatchObject({ status: 'suspended' });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 2 });
    expect((await commands('a')).at(-1)).toMatchObject({ fencingToken: 2, budgetUsd: 5 });
  });

  it('rejected: the run and its task are cancelled with the decision as the reason; expired with skip_task skips the task', async () => {
    const a = await started();
    await f.reports.suspended(runSuspended(a, now()));
    const rejected = approval(`approval-${a.runId}`, a.runId, {
      status: 'rejected',
      comment: 'not this file',
    });
    expect(await f.approvals.decided(rejected)).toBe('cancelled');
    expect(await run(a.runId)).toMatchObject({
      status: 'cancelled',
      fencingToken: 2,
      failure: { code: 'MANAGER_APPROVAL_REJECTED', message: expect.stringContaining('not this file') },
    });
    expect(await task('a')).toMatchObject({ status: 'cancelled' });
    expect((await commands('a')).length).toBe(1);

    await f.close();
    const b = await started();
    await f.reports.suspended(runSuspended(b, now()));
    const expired = approval(`approval-${b.runId}`, b.runId, {
      status: 'expired',
      expiryOutcome: 'skip_task',
      decidedBy: undefined,
    });
    expect(await f.approvals.decided(expired)).toBe('skipped');
    expect(await task('a')).toMatchObject({
      status: 'skipped',
      failure: { code: 'MANAGER_APPROVAL_EXPIRED' },
    });
  });

  it('an approved run of a paused project waits for the project to run again', async () => {
    const a = await started();
    await f.reports.suspended(runSuspended(a, now()));
    await f.commands.pause({ projectId: 'p1', reason: 'lunch', requestedBy: { kind: 'user', id: 'ada' } });
    expect(await f.approvals.decided(approval(`approval-${a.runId}`, a.runId))).toBe('noted');
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'suspended' });
    await f.commands.resume({ projectId: 'p1', requestedBy: { kind: 'user', id: 'ada' } });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 2 });
  });

  it("a run that ran into the day's cap waits without asking anyone, and resumes when its project runs again", async () => {
    const a = await started();
    await f.reports.suspended(
      runSuspended(a, now(), { reason: 'awaiting_budget', approvalId: undefined, exceededScope: 'daily' }),
    );
    expect(await of(GovernanceRequestApprovalV1.type)).toEqual([]);
    await f.commands.pause({
      projectId: 'p1',
      reason: 'daily cap',
      requestedBy: { kind: 'user', id: 'ada' },
    });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'suspended' });
    await f.commands.resume({ projectId: 'p1', requestedBy: { kind: 'user', id: 'ada' } });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 2 });
    expect((await commands('a')).at(-1)).toMatchObject({ resumeFrom: { lastStepSeq: 1 } });
  });

  it('a person raising the cap a run stopped at (manager.update_project) resumes it before its window reopens', async () => {
    const a = await started();
    const ada = { kind: 'user' as const, id: 'ada' };
    const settings = createProjectCommand('p1', { maxParallel: 2 });
    const { repo: _repo, projectId: _id, requestedBy: _by, ...kept } = settings;
    await f.reports.suspended(
      runSuspended(a, now(), {
        reason: 'awaiting_budget',
        approvalId: undefined,
        exceededScope: 'daily',
        budgetReopensAt: '2026-03-03T00:00:00.000Z',
      }),
    );
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'suspended' });
    // Raising another cap does not help this run; raising the daily one does, at once.
    await f.commands.update({
      projectId: 'p1',
      ...kept,
      budgets: { ...kept.budgets, weeklyUsd: kept.budgets.weeklyUsd + 10 },
      requestedBy: ada,
    });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'suspended' });
    await f.commands.update({
      projectId: 'p1',
      ...kept,
      budgets: {
        ...kept.budgets,
        weeklyUsd: kept.budgets.weeklyUsd + 10,
        dailyUsd: kept.budgets.dailyUsd + 10,
      },
      requestedBy: ada,
    });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 2 });

    // At its own cap: a raised run cap resumes it with the larger budget, no approval needed.
    const resumed = (await commands('a')).at(-1)!;
    await f.reports.started(runStarted(resumed, now()));
    await f.reports.suspended(
      runSuspended(resumed, now(), {
        reason: 'awaiting_budget',
        approvalId: undefined,
        exceededScope: 'run',
        requestedUsd: 0.4,
        costUsd: 4.8,
      }),
    );
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'suspended' });
    await f.commands.update({
      projectId: 'p1',
      ...kept,
      budgets: { runUsd: 8, weeklyUsd: kept.budgets.weeklyUsd + 10, dailyUsd: kept.budgets.dailyUsd + 10 },
      requestedBy: ada,
    });
    await f.tick.execute();
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 3 });
    expect((await commands('a')).at(-1)).toMatchObject({ budgetUsd: 8, fencingToken: 3 });
    // The "continue with $X more" it had asked is withdrawn in the same commit, and its decision,
    // whatever a person answers meanwhile, changes nothing.
    const [ask] = await of<RequestApproval>(GovernanceRequestApprovalV1.type);
    expect(await of<WithdrawApproval>(GovernanceWithdrawApprovalV1.type)).toEqual([
      {
        approvalId: ask!.approvalId,
        projectId: 'p1',
        reason: `run ${a.runId} resumed: its project's run cap was raised to $8.00`,
      },
    ]);
    expect(await f.approvals.decided(approval(ask!.approvalId, a.runId, { action: ask!.action }))).toBe(
      'unchanged',
    );
    expect(await run(a.runId)).toMatchObject({ status: 'pending', fencingToken: 3 });
  });

  it('an approval for another run, or a run that is not waiting, changes nothing', async () => {
    const a = await started();
    await f.reports.suspended(runSuspended(a, now()));
    expect(await f.approvals.decided(approval('other-approval', a.runId))).toBe('unchanged');
    expect(await f.approvals.decided(approval('x', 'no-such-run'))).toBe('unchanged');
    expect(await run(a.runId)).toMatchObject({ status: 'suspended', fencingToken: 1 });
  });
});
