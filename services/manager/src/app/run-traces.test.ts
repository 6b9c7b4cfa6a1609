import {
  RunUpdatedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Approval,
  type Envelope,
  type WorkerExecuteRunV1 as ExecuteRun,
} from '@autopilot/contracts';
import { runStarted, runSuspended } from '@autopilot/testing';
import { DEFAULT_MANAGER_SETTINGS } from '../manager-settings';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

/**
 * DESIGN.md section 7: one trace per run, begun by the manager at the run's dispatch and kept with
 * the run, so whatever later sends it to a worker again (a lapsed lease, an approval) continues it.
 * The trace itself comes from the OutboxEnvelopes port (`beginTrace`); here it hands out numbered
 * traceparents, as a tracer would, and records what it was asked to begin.
 */
describe('a run keeps the trace its dispatch began (SQLite store, FakeClock)', () => {
  let f: ManagerFixture;
  const begun: { name: string; attributes: Record<string, unknown>; traceparent: string }[] = [];
  afterEach(async () => {
    await f.close();
    begun.length = 0;
  });

  async function open(): Promise<void> {
    f = await openManagerFixture();
    // The use cases share the fixture's envelopes: its beginTrace is the one they call.
    f.envelopes.beginTrace = (name, attributes = {}) => {
      const n = String(begun.length + 1);
      const traceparent = `00-${n.padStart(32, 'a')}-${n.padStart(16, 'b')}-01`;
      begun.push({ name, attributes, traceparent });
      return traceparent;
    };
    await f.commands.create(createProjectCommand('p1', { maxParallel: 2 }));
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b')]));
  }

  const outbox = async (): Promise<Envelope[]> => f.outbox();
  const commandsFor = async (taskId: string): Promise<Envelope<ExecuteRun>[]> =>
    (await outbox()).filter(
      (e): e is Envelope<ExecuteRun> =>
        e.type === WorkerExecuteRunV1.type && (e.data as ExecuteRun).taskId === taskId,
    );

  it('each dispatch begins a trace of its own; the run, task and execute_run it sends, and a requeue after a lapsed lease, are in it', async () => {
    await open();
    await f.tick.execute();
    const [a] = await commandsFor('a');
    const [b] = await commandsFor('b');
    expect(begun.map((t) => [t.name, t.attributes['autopilot.run_id']])).toEqual([
      ['dispatch run', a!.data.runId],
      ['dispatch run', b!.data.runId],
    ]);
    expect(begun[0]!.attributes).toMatchObject({ 'autopilot.task_id': 'a', 'autopilot.project_id': 'p1' });
    expect(a!.traceparent).toBe(begun[0]!.traceparent);
    expect(b!.traceparent).toBe(begun[1]!.traceparent);
    for (const command of [a!, b!]) {
      const sameRun = (await outbox()).filter(
        (e) =>
          e.correlationId === command.data.runId && [TaskUpdatedV1.type, RunUpdatedV1.type].includes(e.type),
      );
      expect(sameRun.map((e) => e.traceparent)).toEqual([command.traceparent, command.traceparent]);
    }
    expect((await f.graphs.runs([a!.data.runId]))[0]?.notes.traceparent).toBe(a!.traceparent);

    // Started, then silent past its lease: requeued under a new fencing token, in the same trace.
    await f.reports.started(runStarted(a!.data, f.clock.isoNow()));
    f.clock.advance(DEFAULT_MANAGER_SETTINGS.runLeaseMs + 1);
    await f.tick.execute();
    const requeued = (await commandsFor('a')).at(-1)!;
    expect(requeued.data.fencingToken).toBe(2);
    expect(requeued.traceparent).toBe(a!.traceparent);
    expect(begun.filter((t) => t.attributes['autopilot.run_id'] === a!.data.runId)).toHaveLength(1);
  });

  it('a run resumed after an approval continues its own trace', async () => {
    await open();
    await f.tick.execute();
    const [a] = await commandsFor('a');
    await f.reports.started(runStarted(a!.data, f.clock.isoNow()));
    await f.reports.suspended(runSuspended(a!.data, f.clock.isoNow()));
    const decision: Approval = {
      id: `approval-${a!.data.runId}`,
      projectId: 'p1',
      taskId: 'a',
      runId: a!.data.runId,
      action: { kind: 'file_write', riskScore: 0.5, paths: ['.github/workflows/ci.yml'] },
      reasons: ['protected path'],
      ruleIds: ['policy.protected'],
      motivation: {},
      status: 'approved',
      requestedAt: f.clock.isoNow(),
      decidedAt: f.clock.isoNow(),
      decidedBy: { kind: 'user', id: 'ada' },
      revision: 2,
    };
    expect(await f.approvals.decided(decision)).toBe('resumed');
    const resumed = (await commandsFor('a')).at(-1)!;
    expect(resumed.data.fencingToken).toBe(2);
    expect(resumed.traceparent).toBe(a!.traceparent);
  });
});
