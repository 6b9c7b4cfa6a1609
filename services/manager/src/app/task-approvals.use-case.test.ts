import {
  GovernanceRequestApprovalV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Approval,
  type Envelope,
  type GovernanceRequestApprovalV1 as RequestApproval,
  type Task,
} from '@autopilot/contracts';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

/**
 * semi_auto asks before it starts what is not low risk (issue 14, manager item 2): the tick sends
 * `governance.request_approval` and parks the task; `approval.decided` lets it run, cancels it or
 * skips it.
 */
describe('TaskApprovalsUseCase with the tick (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  const of = async <T>(type: string): Promise<Envelope<T>[]> =>
    (await f.outbox()).filter((e) => e.type === type) as Envelope<T>[];
  const taskOf = async (id: string) => (await f.graphs.task('p1', id))!;

  /** A semi_auto project with a low-risk task `easy` and a high-risk task `risky`, ticked once. */
  async function askedOnce(): Promise<RequestApproval> {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { autonomyMode: 'semi_auto', maxParallel: 4 }));
    await f.applyGraph.execute(
      tasksGenerated('p1', [taskSpec('easy', [], { risk: 'low' }), taskSpec('risky', [], { risk: 'high' })]),
    );
    const report = await f.tick.execute();
    expect(report.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ['easy', 'dispatch'],
      ['risky', 'request_approval'],
    ]);
    const asks = await of<RequestApproval>(GovernanceRequestApprovalV1.type);
    expect(asks).toHaveLength(1);
    return asks[0]!.data;
  }

  const decided = (ask: RequestApproval, extra: Partial<Approval>): Approval => ({
    id: ask.approvalId,
    projectId: 'p1',
    taskId: ask.taskId,
    action: ask.action,
    reasons: ask.reasons,
    ruleIds: ask.ruleIds,
    motivation: {},
    status: 'approved',
    requestedAt: '2026-03-02T10:00:00.000Z',
    expiresAt: '2026-03-03T10:00:00.000Z',
    decidedAt: '2026-03-02T11:00:00.000Z',
    decidedBy: { kind: 'user', id: 'ada' },
    revision: 2,
    ...extra,
  });

  it('dispatches the low-risk task and asks governance for the high-risk one, which waits', async () => {
    const ask = await askedOnce();
    expect(ask).toMatchObject({
      projectId: 'p1',
      taskId: 'risky',
      action: { kind: 'task_start', riskScore: 0.8, paths: ['src/**'] },
      reasons: ["semi_auto: high risk needs a person's approval before it runs"],
      ruleIds: ['autonomy.semi_auto'],
    });
    expect((await of<{ taskId: string }>(WorkerExecuteRunV1.type)).map((e) => e.data.taskId)).toEqual([
      'easy',
    ]);
    const risky = await taskOf('risky');
    expect(risky.value.status).toBe('awaiting_approval');
    expect(risky.notes.approvalId).toBe(ask.approvalId);
    // Waiting: a later tick neither asks again nor dispatches it.
    await f.tick.execute();
    expect(await of(GovernanceRequestApprovalV1.type)).toHaveLength(1);
    expect(await of(WorkerExecuteRunV1.type)).toHaveLength(1);
  });

  it('approved: the task is ready and the next tick dispatches it, once; a duplicate changes nothing', async () => {
    const ask = await askedOnce();
    expect(await f.approvals.decided(decided(ask, {}))).toBe('ready');
    expect((await taskOf('risky')).notes).toMatchObject({ approved: true });
    expect(await f.approvals.decided(decided(ask, {}))).toBe('unchanged');
    const report = await f.tick.execute();
    expect(report.decisions).toEqual([
      expect.objectContaining({
        taskId: 'risky',
        action: 'dispatch',
        reason: expect.stringMatching(/^approved;/),
      }),
    ]);
    expect((await of<{ taskId: string }>(WorkerExecuteRunV1.type)).map((e) => e.data.taskId)).toEqual([
      'easy',
      'risky',
    ]);
    const risky = await taskOf('risky');
    expect(risky.value.status).toBe('queued');
    expect(risky.notes).not.toHaveProperty('approved');
    expect(risky.notes).not.toHaveProperty('approvalId');
    expect(await f.approvals.decided(decided(ask, {}))).toBe('unchanged');
  });

  it('rejected: the task is cancelled with the decision as its reason', async () => {
    const ask = await askedOnce();
    expect(await f.approvals.decided(decided(ask, { status: 'rejected', comment: 'not now' }))).toBe(
      'cancelled',
    );
    const risky = (await taskOf('risky')).value;
    expect(risky).toMatchObject({
      status: 'cancelled',
      failure: {
        code: 'MANAGER_APPROVAL_REJECTED',
        message: `approval ${ask.approvalId} rejected by user ada: not now`,
      },
    });
    const updates = await of<Task>(TaskUpdatedV1.type);
    expect(updates.at(-1)!.data).toMatchObject({ id: 'risky', status: 'cancelled' });
    await f.tick.execute();
    expect(await of(WorkerExecuteRunV1.type)).toHaveLength(1);
  });

  it('expired: the policy default applies (reject cancels, skip_task skips)', async () => {
    const ask = await askedOnce();
    const expired = { status: 'expired', decidedBy: { kind: 'system', id: 'governance' } } as const;
    expect(await f.approvals.decided(decided(ask, { ...expired, expiryOutcome: 'skip_task' }))).toBe(
      'skipped',
    );
    expect((await taskOf('risky')).value).toMatchObject({
      status: 'skipped',
      failure: { code: 'MANAGER_APPROVAL_EXPIRED', message: expect.stringContaining('skip_task') },
    });
    await f.close();

    const again = await askedOnce();
    expect(await f.approvals.decided(decided(again, { ...expired, expiryOutcome: 'reject' }))).toBe(
      'cancelled',
    );
    expect((await taskOf('risky')).value.failure?.message).toContain('the policy default reject applied');
  });

  it('an approval of another kind (no waiting task, another id) changes nothing', async () => {
    const ask = await askedOnce();
    expect(await f.approvals.decided(decided(ask, { id: 'someone-else' }))).toBe('unchanged');
    expect(await f.approvals.decided(decided(ask, { taskId: 'easy' }))).toBe('unchanged');
    const { taskId: _, ...withoutTask } = decided(ask, {});
    expect(await f.approvals.decided(withoutTask)).toBe('unchanged');
    expect((await taskOf('risky')).value.status).toBe('awaiting_approval');
  });
});
