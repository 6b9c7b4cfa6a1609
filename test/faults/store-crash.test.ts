import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { type Doc } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';

// A child process inserts documents and prints each id once insert() has resolved; it is killed
// with SIGKILL mid-stream. Every acknowledged id must be in the store when it is reopened: WAL with
// synchronous=NORMAL keeps committed transactions across a process crash.
const WRITER = resolve(__dirname, '../../packages/store/src/testing/fixtures/write-until-killed.cjs');
const dir = mkdtempSync(join(tmpdir(), 'autopilot-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writers still running (a failed test must not leave one writing in the background). */
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** How long one writer may take to reach its acknowledgements; seconds normally, even on 2 busy cores. */
const WRITER_DEADLINE_MS = 25_000;

async function writeUntilKilled(file: string, acknowledgements: number): Promise<string[]> {
  const child = spawn(process.execPath, [WRITER, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const acked: string[] = [];
  let buffered = '';
  let stderr = '';
  let ready = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    await new Promise<void>((done, fail) => {
      // A writer that stops making progress fails the test with what it said, instead of hanging it.
      const deadline = setTimeout(() => {
        child.kill('SIGKILL');
        fail(
          new Error(
            `writer pid ${child.pid} made ${acked.length}/${acknowledgements} acknowledgements ` +
              `(ready: ${ready}) within ${WRITER_DEADLINE_MS} ms; stderr: ${stderr || '(empty)'}`,
          ),
        );
      }, WRITER_DEADLINE_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('error')) fail(new Error(line));
          else if (line === 'ready') ready = true;
          else acked.push(line);
        }
        // Killed while it is writing: no clean shutdown, no close().
        if (acked.length >= acknowledgements && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => {
        clearTimeout(deadline);
        if (signal === 'SIGKILL') done();
        else fail(new Error(`writer exited by itself (${String(signal)}); stderr: ${stderr || '(empty)'}`));
      });
    });
  } finally {
    running.delete(child);
  }
  // Lines still in the pipe when the process died were acknowledged too.
  if (buffered && !buffered.startsWith('error')) acked.push(buffered);
  return acked.filter((id) => /^\d+-\d+$/.test(id));
}

it('loses no acknowledged write when the writing process is killed with SIGKILL', async () => {
  const file = join(dir, 'crash.db');
  const acknowledged = [...(await writeUntilKilled(file, 2000)), ...(await writeUntilKilled(file, 1500))];
  expect(acknowledged.length).toBeGreaterThanOrEqual(3500);

  const store = await openSqliteStore({ file });
  try {
    await store.ensureCollection({ name: 'acks', indexes: [{ fields: { n: 1 } }] });
    const acks = store.collection<Doc & { n: number }>('acks');
    const missing: string[] = [];
    for (const id of acknowledged) {
      const doc = await acks.get(id);
      if (doc === null) missing.push(id);
      // Transactional writes come in pairs: a pair is never half there.
      else if (doc.n % 10 === 9 && (await acks.get(`${id}-pair`)) === null) missing.push(`${id}-pair`);
    }
    expect(missing).toEqual([]);
    expect(await acks.count()).toBeGreaterThanOrEqual(acknowledged.length);
  } finally {
    await store.close();
  }
}, 60_000);
