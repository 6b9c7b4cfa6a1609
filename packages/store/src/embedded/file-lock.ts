import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../errors';
import { sqliteCode } from './sqlite-errors';

/**
 * An exclusive lock per store file. SQLite itself lets many connections share a file, but two
 * Autopilot processes running the same service store would each run its relays and timers, so a
 * second opener must be refused.
 *
 * The lock is one the kernel releases when its process dies, however it dies (kill -9, OOM, a
 * container restart): an exclusive SQLite transaction, never committed, on the sidecar database
 * `<file>.lock.db`. A pid recorded in a file cannot tell that: in a container the restarted process
 * often has the pid of the dead one (node is PID 1), and a new pod has a new host name. The lock
 * file `<file>.lock` (JSON: pid, host, since) says who holds it, for the error message only; it is
 * never what decides, and one left by a crash (or by an older version) is simply overwritten.
 *
 * `<file>.lock.db` stays on disk after release: deleting a file others may be waiting to lock would
 * let two processes lock two different files under one name.
 */
export interface FileLock {
  /** The lock file naming the holder. */
  readonly path: string;
  /** Releases the lock and removes the lock file. Idempotent. */
  release(): void;
}

interface LockHolder {
  pid: number;
  host: string;
  token: string;
  since: string;
}

function readHolder(infoPath: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(infoPath, 'utf8')) as Partial<LockHolder>;
    if (
      typeof holder.pid === 'number' &&
      typeof holder.host === 'string' &&
      typeof holder.token === 'string'
    ) {
      return holder as LockHolder;
    }
  } catch {
    // missing or half-replaced: the message says the holder is unknown
  }
  return undefined;
}

/**
 * How long an opener waits for the lock database before calling the store held. A holder keeps its
 * lock until it closes, so a held store is refused all the same, this much later. Without the wait
 * two processes opening at the same moment can both be refused: taking SQLite's exclusive lock
 * passes through a shared one, and each sees the other's shared lock and gives up (seen in CI).
 * SQLite's busy handler retries within this budget.
 */
const CONTENTION_WAIT_MS = 500;

/** How long a refused opener waits for the holder's record: a winner writes it right after locking. */
const RECORD_WAIT_MS = 1000;

/**
 * The holder's record, waiting up to RECORD_WAIT_MS for it: of two processes opening a store at the
 * same moment, the loser may look between the winner's lock and its record, and would otherwise
 * report an unknown holder. Synchronous like the rest of the lock (a refused open is about to fail).
 */
function awaitHolder(infoPath: string): LockHolder | undefined {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 20) {
    const holder = readHolder(infoPath);
    if (holder !== undefined || waited >= RECORD_WAIT_MS) return holder;
    Atomics.wait(pause, 0, 0, 20);
  }
}

function tryRemove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another process (it did not record itself)';
  const who =
    holder.pid === process.pid && holder.host === hostname()
      ? `this process (pid ${holder.pid})`
      : `process ${holder.pid}`;
  return `${who} on ${holder.host} since ${holder.since}`;
}

/** Takes the lock for `file` or throws StoreUnavailableError naming the file and the holder. */
export function acquireFileLock(file: string): FileLock {
  const infoPath = `${file}.lock`;
  const lockPath = `${file}.lock.db`;
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: CONTENTION_WAIT_MS });
  } catch (err) {
    throw new StoreUnavailableError(file, `cannot create lock database ${lockPath}`, { cause: err });
  }
  try {
    // Nothing is ever written: no journal file needed (none left behind by a crash either).
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    const code = sqliteCode(err);
    if (code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      throw new StoreUnavailableError(
        file,
        `is locked by ${describeHolder(awaitHolder(infoPath))} (lock file ${infoPath}); close that store first`,
        { cause: err },
      );
    }
    if (code === 'SQLITE_NOTADB') {
      throw new StoreUnavailableError(
        file,
        `lock database ${lockPath} exists but is not an Autopilot lock; remove it if no Autopilot process uses this store`,
        { cause: err },
      );
    }
    throw new StoreUnavailableError(file, `cannot take lock database ${lockPath}`, { cause: err });
  }

  // Held. Whatever an earlier holder recorded is stale now: ours replaces it, whole (rename), so a
  // reader never sees half a record.
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  const draft = `${infoPath}.${holder.token}.tmp`;
  try {
    writeFileSync(draft, JSON.stringify(holder));
    renameSync(draft, infoPath);
  } catch (err) {
    tryRemove(draft);
    db.close();
    throw new StoreUnavailableError(file, `cannot write lock file ${infoPath}`, { cause: err });
  }

  let released = false;
  return {
    path: infoPath,
    release: () => {
      if (released) return;
      released = true;
      // The record goes first, while the lock still keeps others from writing theirs.
      if (readHolder(infoPath)?.token === holder.token) tryRemove(infoPath);
      db.close();
    },
  };
}
