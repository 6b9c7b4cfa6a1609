import {
  AutopilotTickedV1,
  RunUpdatedV1,
  WorkerExecuteRunV1,
  type AutopilotTickedV1 as Ticked,
  type Envelope,
  type WorkerExecuteRunV1 as ExecuteRun,
} from '@autopilot/contracts';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';
import { runStarted } from '@autopilot/testing';

const ada = { kind: 'user', id: 'ada' } as const;

describe('RunTickUseCase (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  const of = async <T>(type: string): Promise<Envelope<T>[]> =>
    (await f.outbox()).filter((e) => e.type === type) as Envelope<T>[];
  const dispatched = async (): Promise<string[]> =>
    (await of<ExecuteRun>(WorkerExecuteRunV1.type)).map((e) => `${e.data.projectId}/${e.data.taskId}`);

  it('dispatches ready tasks by priority within the project limit: task queued, run pending, execute_run, ticked', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { maxParallel: 2 }));
    await f.applyGraph.execute(
      tasksGenerated('p1', [
        taskSpec('a', [], { priority: 5 }),
        taskSpec('b', ['a']),
        taskSpec('c', [], { priority: 1 }),
        taskSpec('d', [], { risk: 'high' }),
        taskSpec('e'),
      ]),
    );
    const report = await f.tick.execute();
    expect(report.seq).toBe(1);
    expect(await dispatched()).toEqual(['p1/c', 'p1/a']);
    const [command] = await of<ExecuteRun>(WorkerExecuteRunV1.type);
    expect(command).toMatchObject({
      source: 'manager',
      correlationId: command!.data.runId,
      data: {
        taskId: 'c',
        attempt: 1,
        fencingToken: 1,
        leaseExpiresAt: '2026-03-02T10:10:00.000Z',
        branch: `autopilot/do-c-${command!.data.runId
          .replace(/[^a-z0-9]/gi, '')
          .slice(-8)
          .toLowerCase()}`,
        repo: { location: '/srv/repos/shop', defaultBranch: 'main' },
        autonomyMode: 'full_auto',
        budgetUsd: 5,
        task: { id: 'c', title: 'Do c', priority: 1 },
      },
    });
    expect(command!.data.task).not.toHaveProperty('status');
    const graph = await f.graphs.load('p1');
    expect(graph.tasks.get('c')?.value).toMatchObject({
      status: 'queued',
      attempts: 1,
      currentRunId: command!.data.runId,
    });
    expect((await of(RunUpdatedV1.type)).map((e) => (e.data as { status: string }).status)).toEqual([
      'pending',
      'pending',
    ]);
    const [ticked] = await of<Ticked>(AutopilotTickedV1.type);
    expect(ticked!.data).toMatchObject({
      seq: 1,
      dispatchedRunIds: report.dispatchedRunIds,
      readyTasks: 2,
      runningRuns: 2,
    });
    expect(report.decisions.find((d) => d.taskId === 'd')).toMatchObject({
      action: 'hold',
      reason: 'project at its limit of 2 parallel runs',
    });

    // The next tick: both slots taken, nothing changes, nothing announced.
    const count = (await f.outbox()).length;
    expect((await f.tick.execute()).dispatchedRunIds).toEqual([]);
    expect((await f.outbox()).length).toBe(count);
  });

  it("hands the plan's intention anchor to every run, and none when the planner sent none", async () => {
    f = await openManagerFixture();
    const anchor = {
      id: 'anchor-p1',
      formatVersion: 2 as const,
      text: 'A shop that never loses an order.',
      pivots: ['Safety: an order is never lost'],
    };
    await f.commands.create(createProjectCommand('p1'));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a')], { anchor }));
    await f.commands.create(createProjectCommand('p2'));
    await f.applyGraph.execute(tasksGenerated('p2', [taskSpec('b')]));
    await f.tick.execute();
    const commands = await of<ExecuteRun>(WorkerExecuteRunV1.type);
    expect(commands.find((c) => c.data.projectId === 'p1')?.data.anchor).toEqual(anchor);
    expect(commands.find((c) => c.data.projectId === 'p2')?.data).not.toHaveProperty('anchor');
  });

  it('reclaimRunsAtStart: the first tick of a new process requeues every run in flight at once, later ticks wait for leases', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { maxParallel: 2 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
    await f.tick.execute();
    const first = await of<ExecuteRun>(WorkerExecuteRunV1.type);
    expect(first.map((c) => c.data.fencingToken)).toEqual([1, 1]);
    // Without the setting a restarted manager waits for the leases (10 minutes away).
    f.clock.advance(1_000);
    expect((await f.tickOfNewProcess({}).execute()).requeuedRunIds).toEqual([]);

    const restarted = f.tickOfNewProcess({ reclaimRunsAtStart: true });
    const report = await restarted.execute();
    expect([...report.requeuedRunIds].sort()).toEqual(first.map((c) => c.data.runId).sort());
    const again = (await of<ExecuteRun>(WorkerExecuteRunV1.type)).slice(2);
    expect(again.map((c) => [c.data.runId, c.data.fencingToken])).toEqual(
      first.map((c) => [c.data.runId, 2]),
    );
    expect((await restarted.execute()).requeuedRunIds).toEqual([]);

    // A paused project's runs wait for it to run again, then go at once.
    await f.commands.pause({ projectId: 'p1', requestedBy: { kind: 'user', id: 'ada' } });
    f.clock.advance(1_000);
    const whilePaused = f.tickOfNewProcess({ reclaimRunsAtStart: true });
    expect((await whilePaused.execute()).requeuedRunIds).toEqual([]);
    await f.commands.resume({ projectId: 'p1', requestedBy: { kind: 'user', id: 'ada' } });
    expect((await whilePaused.execute()).requeuedRunIds).toHaveLength(2);

    // A lease renewed since this process began (its run reported a step to it) is no leftover.
    f.clock.advance(1_000);
    const fresh = f.tickOfNewProcess({ reclaimRunsAtStart: true });
    f.clock.advance(1_000);
    const [live, leftover] = (await of<ExecuteRun>(WorkerExecuteRunV1.type)).slice(-2);
    await f.reports.started(runStarted(live!.data, f.clock.isoNow()));
    expect((await fresh.execute()).requeuedRunIds).toEqual([leftover!.data.runId]);
  });

  it('respects the global limit across projects', async () => {
    f = await openManagerFixture({ maxParallel: 3 });
    for (const id of ['p1', 'p2']) {
      await f.commands.create(createProjectCommand(id, { maxParallel: 5 }));
      await f.applyGraph.execute(tasksGenerated(id, [taskSpec(`${id}-a`), taskSpec(`${id}-b`)]));
    }
    await f.tick.execute();
    expect(await dispatched()).toEqual(['p1/p1-a', 'p1/p1-b', 'p2/p2-a']);
  });

  it('suggest records what it would run and dispatches nothing; off, paused and a closed window hold', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('sugg', { autonomyMode: 'suggest' }));
    await f.commands.create(createProjectCommand('off', { autonomyMode: 'off' }));
    await f.commands.create(createProjectCommand('paused'));
    await f.commands.pause({ projectId: 'paused', requestedBy: ada, reason: 'holiday' });
    // 10:00Z on a Monday is 11:00 in Berlin: outside 12:00-13:00.
    await f.commands.create(
      createProjectCommand('closed', {
        schedule: { timezone: 'Europe/Berlin', windows: [{ days: [1], start: '12:00', end: '13:00' }] },
      }),
    );
    for (const id of ['sugg', 'off', 'paused', 'closed'])
      await f.applyGraph.execute(tasksGenerated(id, [taskSpec('a')]));
    const report = await f.tick.execute();
    expect(await dispatched()).toEqual([]);
    expect(await of(AutopilotTickedV1.type)).toEqual([]);
    expect(report.seq).toBeUndefined();
    expect(report.decisions.map((d) => [d.projectId, d.action, d.reason])).toEqual([
      ['closed', 'hold', 'outside the schedule window; opens 2026-03-02T11:00:00.000Z'],
      ['paused', 'hold', 'project paused: holiday (by user ada)'],
      ['sugg', 'suggest', 'would dispatch (1/2 in project); suggest mode dispatches nothing'],
    ]);
    expect(f.logs).toContainEqual({
      level: 'info',
      message: 'suggest: would dispatch',
      fields: { projectId: 'sugg', tasks: ['a'] },
    });
    expect((await f.graphs.load('sugg')).tasks.get('a')?.value.status).toBe('ready');

    // The window opens at 11:00Z: that project's task goes.
    f.clock.advance(60 * 60_000);
    await f.tick.execute();
    expect(await dispatched()).toEqual(['closed/a']);
  });
});
