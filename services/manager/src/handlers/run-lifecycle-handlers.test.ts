import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManagerCreateProjectV1,
  ProjectUpdatedV1,
  RunFinishedV1,
  RunStartedV1,
  RunUpdatedV1,
  StepRecordedV1,
  TasksGeneratedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Envelope,
} from '@autopilot/contracts';
import { isHandled, outboxStates, pendingOutbox, type Doc, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { createProjectCommand, taskSpec, tasksGenerated } from '../testing/manager-fixture';
import { startManagerHost, type ManagerHost } from '../testing/manager-host';
import { eventually, runFinished, runStarted, stepRecorded } from '@autopilot/testing';

describe('the manager and a stub worker over the in-process bus', () => {
  let dir: string;
  let store: DocumentStore;
  let manager: ManagerHost | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-manager-runs-'));
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a small DAG to completion, one task failing once and then succeeding; a duplicate report changes nothing', async () => {
    // No duplicate window on the bus: a re-published envelope reaches the manager's inbox.
    manager = await startManagerHost(store, [TaskUpdatedV1, RunUpdatedV1, ProjectUpdatedV1], {
      duplicateWindowMs: 0,
    });
    const { bus, send, seen, clock } = manager;
    // The stub worker: takes worker.execute_run from the work queue and answers with the real
    // contracts (source `worker`): started, one step, finished. Task b's first attempt fails.
    const taken: WorkerExecuteRunV1[] = [];
    const reports: Envelope[] = [];
    await bus.subscribe(WorkerExecuteRunV1, 'worker-execute-run', async (d) => {
      const command = d.envelope.data as WorkerExecuteRunV1;
      taken.push(command);
      const at = clock.isoNow();
      const fails = command.taskId === 'b' && command.attempt === 1;
      reports.push(await send(RunStartedV1, runStarted(command, at)));
      reports.push(
        await send(
          StepRecordedV1,
          stepRecorded(command, 1, at, { kind: 'command', status: fails ? 'failed' : 'succeeded' }),
        ),
      );
      reports.push(await send(RunFinishedV1, runFinished(command, fails ? 'failed' : 'succeeded', at)));
    });

    await send(ManagerCreateProjectV1, createProjectCommand('p1', { maxParallel: 2 }));
    await send(
      TasksGeneratedV1,
      tasksGenerated('p1', [
        taskSpec('a'),
        taskSpec('b', ['a']),
        taskSpec('c', ['a']),
        taskSpec('d', ['b', 'c']),
      ]),
    );
    const statuses = async (): Promise<Record<string, string>> => {
      const docs = await store.collection<Doc & { task: { id: string; status: string } }>('tasks').find({});
      return Object.fromEntries(docs.items.map((d) => [d.task.id, d.task.status]));
    };
    // b's retry waits for its 30 s backoff: the tick's timer runs on the FakeClock.
    await eventually(async () => {
      clock.advance(5_000);
      expect(await statuses()).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' });
    });
    await manager.host.relay.idle();

    // Dependencies respected: each task taken only after its dependencies succeeded; b twice.
    expect(taken.map((c) => `${c.taskId}#${c.attempt}`)).toEqual(
      expect.arrayContaining(['a#1', 'b#1', 'c#1', 'b#2', 'd#1']),
    );
    expect(taken).toHaveLength(5);
    expect(taken.at(-1)?.taskId).toBe('d');
    expect(taken[0]?.taskId).toBe('a');
    const taskB = () =>
      seen
        .filter((e) => e.type === TaskUpdatedV1.type && (e.data as TaskUpdatedV1).id === 'b')
        .map((e) => (e.data as TaskUpdatedV1).status);
    // Published is not yet handled: the subscriber that fills `seen` runs on a later turn.
    await eventually(() =>
      expect(taskB()).toEqual([
        'blocked',
        'ready',
        'queued',
        'running',
        'ready',
        'queued',
        'running',
        'succeeded',
      ]),
    );
    expect(seen.filter((e) => e.type === ProjectUpdatedV1.type)).toHaveLength(1);

    // A duplicate of a.run.finished (another delivery of the same envelope id) changes nothing.
    const before = (await outboxStates(store)).length;
    const finishedA = reports.find(
      (e) => e.type === RunFinishedV1.type && (e.data as RunFinishedV1).taskId === 'a',
    ) as Envelope;
    await bus.publishEnvelope({ ...finishedA });
    // A stale report (the fencing token of no current lease) for the same run: refused and acked.
    const stale = await send(RunFinishedV1, { ...(finishedA.data as RunFinishedV1), fencingToken: 9 });
    // Delivered in order on the one consumer: once the stale report is handled, so is the copy.
    await eventually(async () => expect(await isHandled(store, 'manager-run-finished', stale.id)).toBe(true));
    await manager.host.relay.idle();
    expect((await outboxStates(store)).length).toBe(before);
    expect(await pendingOutbox(store, 10)).toEqual([]);
    expect(await bus.listDeadLetters({})).toEqual([]);
  });
});
