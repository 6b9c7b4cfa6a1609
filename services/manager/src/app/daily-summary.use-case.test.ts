import {
  ProjectDaySummarizedV1,
  WorkerExecuteRunV1,
  type Envelope,
  type WorkerExecuteRunV1 as ExecuteRun,
} from '@autopilot/contracts';
import { projectSignals, taskSignals } from '../domain/learning/learning-signals';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';
import { runFinished, runStarted, stepRecorded } from '@autopilot/testing';
import { DailySummaryUseCase } from './daily-summary.use-case';

const BERLIN = {
  timezone: 'Europe/Berlin',
  windows: [{ days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00' }],
};
const ada = { kind: 'user', id: 'ada' } as const;

/**
 * Learning signals and daily summaries on the SQLite store with a FakeClock (issue 14, manager
 * items 6 and 7). The fixture's clock starts at 2026-03-02T10:00Z, 11:00 in Berlin; Berlin's
 * midnight is 23:00Z.
 */
describe('learning signals and daily summaries (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  const of = async <T>(type: string): Promise<T[]> =>
    (await f.outbox()).filter((e: Envelope) => e.type === type).map((e) => e.data as T);
  const command = async (taskId: string): Promise<ExecuteRun> =>
    (await of<ExecuteRun>(WorkerExecuteRunV1.type)).filter((c) => c.taskId === taskId).at(-1) as ExecuteRun;
  const now = (): string => f.clock.isoNow();

  it('a day with successes, a failure, a run whose tests did not run and a pause, summarized at Berlin midnight', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { schedule: BERLIN, maxParallel: 4 }));
    await f.applyGraph.execute(
      tasksGenerated('p1', [
        taskSpec('a'),
        taskSpec('b'),
        taskSpec('c'),
        taskSpec('d'),
        taskSpec('e', ['a']),
      ]),
    );
    await f.tick.execute();
    const [a, b, c, d] = [await command('a'), await command('b'), await command('c'), await command('d')];
    for (const cmd of [a, b, c, d]) await f.reports.started(runStarted(cmd, now()));
    f.clock.advance(30 * 60_000);
    await f.reports.finished(runFinished(a, 'succeeded', now(), { costUsd: 1.5 }));
    await f.reports.finished(
      runFinished(b, 'failed', now(), {
        failure: { code: 'WORKER_TESTS_FAILED', message: 'npm test exited 1. 3 assertions failed in cart.' },
      }),
    );
    await f.reports.finished(
      runFinished(c, 'succeeded', now(), { costUsd: 0.5, tests: { passed: 0, failed: 0 } }),
    );
    await f.reports.stepRecorded(stepRecorded(d, 1, now(), { costUsd: 0.2 }));
    await f.commands.pause({ projectId: 'p1', requestedBy: ada, reason: 'holiday' });

    // On demand: the day so far, stored nowhere, announced to nobody.
    const sofar = await f.summaries.current('p1');
    expect(sofar).toMatchObject({ date: '2026-03-02', timezone: 'Europe/Berlin', final: false });
    expect(sofar.completed).toEqual([
      expect.objectContaining({ taskId: 'a', costUsd: 1.5, testsRan: true }),
      expect.objectContaining({ taskId: 'c', costUsd: 0.5, testsRan: false, note: 'tests did not run' }),
    ]);
    expect(sofar.failed).toEqual([
      expect.objectContaining({ taskId: 'b', reason: 'npm test exited 1.', willRetry: true }),
    ]);
    expect(sofar.running).toEqual([expect.objectContaining({ taskId: 'd', steps: 1, costUsd: 0.2 })]);
    expect(sofar.queued.map((t) => t.taskId)).toEqual(['b', 'e']);
    expect(sofar.paused).toMatchObject({ kind: 'manual', decisionNeeded: expect.any(String) });
    expect(sofar.cost).toEqual({ spentUsd: 2.45, dailyCapUsd: 50 });
    expect(sofar.headline).toContain('2 completed (tests did not run for 1)');
    expect(await of(ProjectDaySummarizedV1.type)).toEqual([]);

    // One second before Berlin midnight nothing rolls over; at midnight the day is summarized once.
    f.clock.advance(Date.parse('2026-03-02T22:59:59.000Z') - f.clock.now());
    expect(await f.summaries.rollover()).toEqual([]);
    f.clock.advance(Date.parse('2026-03-02T23:00:00.000Z') - f.clock.now());
    const [final] = await f.summaries.rollover();
    expect(final).toMatchObject({
      date: '2026-03-02',
      final: true,
      from: '2026-03-01T23:00:00.000Z',
      to: '2026-03-02T23:00:00.000Z',
      counts: { completed: 2, failed: 1, running: 1, queued: 2, awaitingApproval: 0 },
    });
    expect(await f.summaries.stored('p1', '2026-03-02')).toEqual(final);
    expect(await of(ProjectDaySummarizedV1.type)).toEqual([final]);
    expect(await f.summaries.rollover()).toEqual([]);
    // A restarted manager (no memory of day ends) finds the cursor and summarizes nothing again.
    const restarted = new DailySummaryUseCase(
      f.projects,
      f.graphs,
      f.summaryStore,
      f.learning,
      f.envelopes,
      f.clock,
      { info: () => undefined, warn: () => undefined },
    );
    expect(await restarted.rollover()).toEqual([]);
    expect(await of(ProjectDaySummarizedV1.type)).toHaveLength(1);

    // The next day starts empty of completions.
    const next = await f.summaries.current('p1');
    expect(next).toMatchObject({ date: '2026-03-03', completed: [], failed: [] });

    // Learning signals moved with the run reports, in their transactions.
    const learned = await f.learning.project('p1');
    expect(learned).toMatchObject({ runs: 3, failures: 1, tasksSucceeded: 2 });
    expect(projectSignals(learned!)).toMatchObject({ failureRate: 1 / 3, averageCycleTimeMs: 30 * 60_000 });
    const tasks = await f.learning.tasks('p1', ['a', 'b']);
    expect(taskSignals(tasks.get('b'), 'b', learned, [])).toMatchObject({ failures: 1, reworkCount: 0 });
  });

  it('a duplicate run report counts nothing twice; a plan revision counts as deviation', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { schedule: BERLIN }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
    await f.tick.execute();
    const a = await command('a');
    await f.reports.finished(runFinished(a, 'failed', now()));
    await f.reports.finished(runFinished(a, 'failed', now()));
    await f.applyGraph.execute(
      tasksGenerated('p1', [taskSpec('a', [], { priority: 1 }), taskSpec('c')], { planRevision: 2 }),
    );
    const learned = await f.learning.project('p1');
    expect(learned).toMatchObject({ runs: 1, failures: 1 });
    expect(learned?.plan).toEqual({ planned: 2, revisions: 2, added: 1, removed: 1, changed: 1 });
    expect(projectSignals(learned!).planDeviation).toBe(1.5);
  });

  it('the tick orders ready tasks of equal priority and risk by learned difficulty: the task that failed goes last', async () => {
    f = await openManagerFixture();
    await f.commands.create(createProjectCommand('p1', { schedule: BERLIN, maxParallel: 1 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
    const first = await f.tick.execute();
    expect(first.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ['a', 'dispatch'],
      ['b', 'hold'],
    ]);
    await f.reports.finished(runFinished(await command('a'), 'failed', now()));
    f.clock.advance(60 * 60_000); // past the retry's backoff
    const second = await f.tick.execute();
    expect(second.decisions.map((d) => [d.taskId, d.action])).toEqual([
      ['b', 'dispatch'],
      ['a', 'hold'],
    ]);
  });
});
