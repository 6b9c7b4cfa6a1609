import {
  ProjectUpdatedV1,
  WorkerExecuteRunV1,
  type BudgetExceededV1,
  type Envelope,
  type Project,
} from '@autopilot/contracts';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

const ALWAYS = {
  timezone: 'Europe/Berlin',
  windows: [{ days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00' }],
};

/**
 * Hard budgets, the manager's side (issue 14, governance item 4): budget.exceeded pauses the
 * project; a pause by a daily or weekly cap ends by itself when the window reopens; a person's
 * pause never does. The fixture's clock starts at 2026-03-02T10:00Z (11:00 in Berlin, a Monday).
 */
describe('BudgetPausesUseCase with the tick (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  const projectUpdates = async (): Promise<Project[]> =>
    ((await f.outbox()).filter((e) => e.type === ProjectUpdatedV1.type) as Envelope<Project>[]).map(
      (e) => e.data,
    );
  const project = async () => (await f.projects.get('p1'))!.value.project;
  const dispatched = async () => (await f.outbox()).filter((e) => e.type === WorkerExecuteRunV1.type).length;

  const to = (iso: string) => f.clock.advance(Date.parse(iso) - f.clock.now());
  const exceeded = (extra: Partial<BudgetExceededV1> = {}): BudgetExceededV1 => ({
    projectId: 'p1',
    runId: 'run-1',
    scope: 'daily',
    capUsd: 50,
    spentUsd: 49.5,
    requestedUsd: 1.2,
    periodStart: '2026-03-01T23:00:00.000Z',
    // Midnight in Berlin (UTC+1 in March).
    reopensAt: '2026-03-02T23:00:00.000Z',
    at: '2026-03-02T10:00:00.000Z',
    ...extra,
  });

  async function open(): Promise<void> {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { schedule: ALWAYS, maxParallel: 1 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
  }

  it('pauses on a daily cap with the cap, the amounts and when it reopens; a duplicate changes nothing', async () => {
    await open();
    expect(await f.budgets.exceeded(exceeded())).toBe('changed');
    expect(await project()).toMatchObject({
      paused: true,
      pause: {
        kind: 'budget',
        reason:
          'the daily budget cap of $50.00 was reached: $49.50 spent or reserved, $1.20 more refused (run run-1)',
        unblock: 'raise the cap or wait until 2026-03-03 00:00 (Europe/Berlin), when it resumes by itself',
        since: '2026-03-02T10:00:00.000Z',
        resumesAt: '2026-03-02T23:00:00.000Z',
      },
    });
    expect(await f.budgets.exceeded(exceeded())).toBe('unchanged');
    expect((await projectUpdates()).filter((p) => p.paused)).toHaveLength(1);
    const report = await f.tick.execute();
    expect(report.decisions[0]).toMatchObject({
      action: 'hold',
      reason: expect.stringContaining('project paused: the daily budget cap'),
    });
    expect(await dispatched()).toBe(0);
  });

  it('a person raising the daily cap (manager.update_project) lifts the pause at once; raising another cap does not', async () => {
    await open();
    await f.budgets.exceeded(exceeded());
    const {
      repo: _r,
      projectId: _p,
      requestedBy: _b,
      ...settings
    } = createProjectCommand('p1', {
      schedule: ALWAYS,
    });
    const ada = { kind: 'user' as const, id: 'ada' };
    const caps = (await project()).budgets;
    await f.commands.update({
      projectId: 'p1',
      ...settings,
      budgets: { ...caps, runUsd: caps.runUsd + 1 },
      requestedBy: ada,
    });
    expect(await project()).toMatchObject({ paused: true, pause: { kind: 'budget' } });
    await f.commands.update({
      projectId: 'p1',
      ...settings,
      budgets: { ...caps, runUsd: caps.runUsd + 1, dailyUsd: 80 },
      requestedBy: ada,
    });
    const lifted = await project();
    expect(lifted).toMatchObject({ paused: false, budgets: { dailyUsd: 80 } });
    expect(lifted).not.toHaveProperty('pause');
    expect(lifted.resumeNote).toMatch(
      /^resumed: the daily budget was raised; paused since .* because the daily budget cap of \$50\.00/,
    );
    // The same settings again change nothing; an unknown project is refused, naming it.
    expect(
      (await f.commands.update({ projectId: 'p1', ...settings, budgets: lifted.budgets, requestedBy: ada }))
        .kind,
    ).toBe('unchanged');
    await expect(f.commands.update({ projectId: 'nope', ...settings, requestedBy: ada })).rejects.toThrow(
      /nope/,
    );
  });

  it('resumes by itself once the window reopened, says so, and dispatches in that tick', async () => {
    await open();
    await f.budgets.exceeded(exceeded());
    to('2026-03-02T22:59:59.999Z');
    await f.tick.execute();
    expect((await project()).paused).toBe(true);
    expect(await dispatched()).toBe(0);

    to('2026-03-02T23:00:00.000Z');
    const report = await f.tick.execute();
    const resumed = await project();
    expect(resumed.paused).toBe(false);
    expect(resumed).not.toHaveProperty('pause');
    expect(resumed.resumeNote).toMatch(
      /^resumed by itself: the budget window reopened at 2026-03-03 00:00 \(Europe\/Berlin\); paused since 2026-03-02T10:00:00.000Z because the daily budget cap/,
    );
    expect((await projectUpdates()).at(-1)).toMatchObject({ paused: false, resumeNote: resumed.resumeNote });
    expect(f.logs).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'project resumed by itself: its budget window reopened',
      }),
    );
    expect(report.dispatchedRunIds).toHaveLength(1);
    // A later tick resumes nothing again.
    const updates = (await projectUpdates()).length;
    await f.tick.execute();
    expect(await projectUpdates()).toHaveLength(updates);
  });

  it('a later weekly cap extends the pause; a run cap, a late refusal or an unknown project pause nothing', async () => {
    await open();
    expect(await f.budgets.exceeded(exceeded({ scope: 'run' }))).toBe('unchanged');
    expect(await f.budgets.exceeded(exceeded({ reopensAt: '2026-03-02T09:00:00.000Z' }))).toBe('unchanged');
    expect(await f.budgets.exceeded(exceeded({ projectId: 'nope' }))).toBe('unchanged');
    expect((await project()).paused).toBe(false);
    await f.budgets.exceeded(exceeded());
    expect(
      await f.budgets.exceeded(exceeded({ scope: 'weekly', reopensAt: '2026-03-08T23:00:00.000Z' })),
    ).toBe('changed');
    expect((await project()).pause).toMatchObject({ kind: 'budget', resumesAt: '2026-03-08T23:00:00.000Z' });
    to('2026-03-03T00:00:00.000Z');
    await f.tick.execute();
    expect((await project()).paused).toBe(true);
  });

  it('a manual pause is never resumed by itself, even over a budget pause', async () => {
    await open();
    await f.budgets.exceeded(exceeded());
    await f.commands.pause({ projectId: 'p1', reason: 'holiday', requestedBy: { kind: 'user', id: 'ada' } });
    expect((await project()).pause).toMatchObject({ kind: 'manual' });
    expect((await project()).pause).not.toHaveProperty('resumesAt');
    // And a budget refusal does not replace a manual pause.
    expect(await f.budgets.exceeded(exceeded({ reopensAt: '2026-03-09T23:00:00.000Z' }))).toBe('unchanged');
    to('2026-03-10T00:00:00.000Z');
    await f.tick.execute();
    expect(await project()).toMatchObject({ paused: true, pause: { kind: 'manual' } });
    expect(await dispatched()).toBe(0);
  });

  it('without a reopen instant the pause waits for a person', async () => {
    await open();
    const { reopensAt: _, ...old } = exceeded();
    await f.budgets.exceeded(old);
    expect((await project()).pause).toMatchObject({
      kind: 'budget',
      unblock: 'raise the cap, then resume the project (manager.resume_project)',
    });
    to('2026-03-04T00:00:00.000Z');
    await f.tick.execute();
    expect((await project()).paused).toBe(true);
  });
});
