import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { type Doc } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';

// A child process writes documents (single inserts, and every tenth a transaction of four) and says
// which writes were acknowledged and which transactions it began; it is killed with SIGKILL, either
// mid-stream or while it holds a transaction half written. When the store is reopened every
// acknowledged write must be there (WAL with synchronous=NORMAL keeps committed transactions across a
// process crash), and every transaction in flight at the kill must be there whole or not at all.
const WRITER = resolve(__dirname, '../../packages/store/src/testing/fixtures/write-until-killed.cjs');
const TRANSACTION_SIZE = 4;
const dir = mkdtempSync(join(tmpdir(), 'autopilot-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writers still running (a failed test must not leave one writing in the background). */
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * How long a writer may go without saying anything: it normally writes thousands of lines a second,
 * so a silence this long is a hang, not a busy machine (progress re-arms it). This turns a hang into
 * a failure that says where: it caught the writer running on with its lines queued in memory behind
 * a full pipe (fixed in the writer, and the third writer below now fills its pipe on purpose).
 */
const WRITER_SILENCE_MS = 90_000;

/** What one killed writer said before it died. */
interface WriterRecord {
  /** Acknowledged writes: a single insert's id, or a transaction's id (its parts are `<id>-0..3`). */
  acknowledged: string[];
  /** Transactions begun, acknowledged or not. */
  begun: string[];
  /** The transaction it was holding open, half written, when killed. */
  held?: string;
}

/**
 * Runs a writer until it has `acknowledgements` acknowledged writes and kills it: at once
 * (`kill: 'streaming'`, whatever is in flight) or once it holds a transaction open (`'holding'`).
 */
async function writeUntilKilled(
  file: string,
  acknowledgements: number,
  kill: 'streaming' | 'holding',
  { stallReadingMs = 0 } = {},
): Promise<WriterRecord> {
  const args = [WRITER, file, ...(kill === 'holding' ? [String(acknowledgements)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const record: WriterRecord = { acknowledged: [], begun: [] };
  let buffered = '';
  let stderr = '';
  let ready = false;
  const take = (line: string): void => {
    if (line === 'ready') ready = true;
    else if (line.startsWith('begin ')) record.begun.push(line.slice(6));
    else if (line.startsWith('holding ')) record.held = line.slice(8);
    else if (/^\d+-\d+$/.test(line)) record.acknowledged.push(line);
  };
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    await new Promise<void>((done, fail) => {
      // A writer that stops making progress fails the test with what it said, instead of hanging it.
      let lastHeard = Date.now();
      const silent = (): void => {
        // Checked after this process reads what is waiting in the pipe (setImmediate runs after the
        // poll phase): a timer that fires late because this process was starved is no silence.
        setImmediate(() => {
          const quietMs = Date.now() - lastHeard;
          if (quietMs < WRITER_SILENCE_MS) {
            deadline = setTimeout(silent, WRITER_SILENCE_MS - quietMs);
            return;
          }
          stopSilent();
        });
      };
      const stopSilent = (): void => {
        const state = processState(child.pid);
        child.kill('SIGKILL');
        fail(
          new Error(
            `writer pid ${child.pid} said nothing for ${WRITER_SILENCE_MS} ms after ` +
              `${record.acknowledged.length}/${acknowledgements} acknowledgements (ready: ${ready}, ` +
              `holding: ${record.held ?? 'no'}; ${state}); stderr: ${stderr || '(empty)'}`,
          ),
        );
      };
      let deadline = setTimeout(silent, WRITER_SILENCE_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        lastHeard = Date.now();
        if (stallReadingMs > 0 && record.acknowledged.length > 0) {
          // A parent too busy to read for a while (as on a loaded CI machine): the pipe fills (it
          // holds about 2,000 lines here, fewer than this writer must say), and the writer must
          // still say everything once it is read again.
          child.stdout.pause();
          setTimeout(() => child.stdout.resume(), stallReadingMs);
          stallReadingMs = 0;
        }
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('error')) fail(new Error(line));
          else take(line);
        }
        // Killed while it is writing: no clean shutdown, no close().
        const due =
          kill === 'holding' ? record.held !== undefined : record.acknowledged.length >= acknowledgements;
        if (due && child.exitCode === null) child.kill('SIGKILL');
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
  // A line still in the pipe when the process died was said too.
  if (buffered) take(buffered);
  return record;
}

/**
 * Where a silent writer is, as Linux tells it: its state (`D`: waiting on I/O, `S`: sleeping, `R`:
 * running) and the kernel function it waits in. So a silence says whether the writer hung in its own
 * code or the machine held it.
 */
function processState(pid: number | undefined): string {
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8').trim();
    } catch {
      return undefined; // not Linux, or already gone
    }
  };
  const stat = read('stat');
  // The state follows the command name, which is in parentheses and may hold spaces.
  const state = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return `process state ${state ?? 'unknown'}, waiting in ${read('wchan') || 'unknown'}`;
}

type AckDoc = Doc & { n: number };

/** The parts of transaction `id` found in the store. */
async function partsFound(acks: { get(id: string): Promise<AckDoc | null> }, id: string): Promise<number> {
  let found = 0;
  for (let part = 0; part < TRANSACTION_SIZE; part++) {
    if ((await acks.get(`${id}-${part}`)) !== null) found++;
  }
  return found;
}

it('loses no acknowledged write and leaves no transaction half written when the writer is SIGKILLed', async () => {
  const file = join(dir, 'crash.db');
  const writers = [
    await writeUntilKilled(file, 2000, 'streaming'),
    await writeUntilKilled(file, 300, 'holding'),
    await writeUntilKilled(file, 8000, 'streaming', { stallReadingMs: 3000 }),
    await writeUntilKilled(file, 200, 'holding'),
  ];
  const acknowledged = new Set(writers.flatMap((w) => w.acknowledged));
  expect(acknowledged.size).toBeGreaterThanOrEqual(4000);
  const held = writers.flatMap((w) => (w.held === undefined ? [] : [w.held]));
  expect(held).toHaveLength(2);

  const store = await openSqliteStore({ file });
  try {
    await store.ensureCollection({ name: 'acks', indexes: [{ fields: { n: 1 } }] });
    const acks = store.collection<AckDoc>('acks');
    const begun = new Set(writers.flatMap((w) => w.begun));
    const problems: string[] = [];
    for (const id of acknowledged) {
      if (begun.has(id)) continue;
      if ((await acks.get(id)) === null) problems.push(`acknowledged write ${id} is missing`);
    }
    for (const id of begun) {
      const found = await partsFound(acks, id);
      if (acknowledged.has(id) && found !== TRANSACTION_SIZE) {
        problems.push(`acknowledged transaction ${id} has ${found}/${TRANSACTION_SIZE} documents`);
      } else if (found !== 0 && found !== TRANSACTION_SIZE) {
        problems.push(
          `transaction ${id}, in flight at the kill, is half there (${found}/${TRANSACTION_SIZE})`,
        );
      }
    }
    // A transaction killed while open never committed: none of its written half survives.
    for (const id of held) {
      const found = await partsFound(acks, id);
      if (found !== 0) problems.push(`transaction ${id}, held open at the kill, left ${found} documents`);
    }
    expect(problems).toEqual([]);
    // The store recovered is a working store: it takes a write after the crashes.
    await acks.insert({ _id: 'after-the-crashes', n: -1 });
    expect(await acks.get('after-the-crashes')).not.toBeNull();
  } finally {
    await store.close();
  }
}, 600_000);
