import { WorkerExecuteRunV1, type WorkerExecuteRunV1 as ExecuteRun } from '@autopilot/contracts';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';
import { runStarted } from '@autopilot/testing';

/**
 * The tick reconciles runs in flight (lease, maximum run time) only once one of them can be due:
 * ticks that events ask for in between skip the scan of every run in flight.
 */
describe('RunTickUseCase reconciling only when a deadline can be due (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  afterEach(() => f.close());

  it('skips the runs-in-flight scan until the earliest lease can lapse, then requeues on time', async () => {
    f = await openManagerFixture({ runLeaseMs: 60_000 });
    await f.commands.create(createProjectCommand('p1', { maxParallel: 2 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
    const scans = jest.spyOn(f.graphs, 'runsIn');
    await f.tick.execute();
    expect(scans).toHaveBeenCalledTimes(1);
    const [a] = (await f.outbox())
      .filter((e) => e.type === WorkerExecuteRunV1.type)
      .map((e) => e.data as ExecuteRun);

    // Events in between: no deadline can have passed, no scan. a's start renews its lease.
    f.clock.advance(30_000);
    await f.reports.started(runStarted(a as ExecuteRun, f.clock.isoNow()));
    await f.tick.execute();
    await f.tick.execute();
    expect(scans).toHaveBeenCalledTimes(1);

    // b's lease (from its dispatch) lapses first: the tick scans and requeues it.
    f.clock.advance(30_000);
    const report = await f.tick.execute();
    expect(scans).toHaveBeenCalledTimes(2);
    expect(report.requeuedRunIds).toHaveLength(1);
  });
});
