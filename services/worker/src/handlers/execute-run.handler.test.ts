import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RunFinishedV1,
  RunStartedV1,
  StepRecordedV1,
  WorkerExecuteRunV1,
  type RunFinishedV1 as RunFinished,
} from '@autopilot/contracts';
import { isHandled, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { ScriptedModel, reply } from '../testing/fake-run-ports';
import { executeRunCommand } from '../testing/worker-fixture';
import { startWorkerHost, type WorkerHost } from '../testing/worker-host';

describe('the worker service over the in-process bus', () => {
  let dir: string;
  let store: DocumentStore;
  let worker: WorkerHost | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-worker-'));
    store = await openSqliteStore({ file: join(dir, 'worker.db') });
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes worker.execute_run from the work queue and reports the run through its outbox, asking governance on the bus', async () => {
    const model = new ScriptedModel([
      reply({ name: 'str_replace', args: { path: 'src/sum.ts', old_str: 'a - b', new_str: 'a + b' } }),
      reply({ name: 'run_command', args: { argv: ['npm', 'test'] } }),
      reply({ name: 'finish', args: { summary: 'fixed', confidence: 0.8 } }),
    ]);
    worker = await startWorkerHost(store, [RunStartedV1, StepRecordedV1, RunFinishedV1], { model });
    const sent = await worker.send(WorkerExecuteRunV1, executeRunCommand());

    await eventually(() => expect(worker?.seen.map((e) => e.type)).toContain(RunFinishedV1.type));
    const types = worker.seen.map((e) => e.type);
    expect(types[0]).toBe(RunStartedV1.type);
    const finished = worker.seen.find((e) => e.type === RunFinishedV1.type)?.data as RunFinished;
    expect(finished).toMatchObject({ outcome: 'succeeded', fencingToken: 3 });
    expect(worker.seen.every((e) => e.source === 'worker' && e.correlationId === finished.runId)).toBe(true);
    expect(worker.seen.every((e) => e.causationId === sent.id)).toBe(true);
    expect(worker.asked.map((a) => a.action.kind)).toEqual(['file_write', 'command']);
    // The last report recorded the command in the inbox: a redelivery after a restart is acked unrun.
    expect(await isHandled(store, 'worker-execute-run', sent.id)).toBe(true);
    expect(worker.seen.find((e) => e.type === RunStartedV1.type)?.data).toMatchObject({
      workerId: 'host-worker',
    });
  });
});
