import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { StoreUnavailableError } from '../errors';

/**
 * An exclusive `<file>.lock` per store file. SQLite itself lets many connections share a file, but
 * two Autopilot processes running the same service store would each run its relays and timers, so
 * a second opener must be refused. The lock holds the owner's pid; a lock whose pid is dead (kill -9,
 * power loss) is stale and taken over.
 */
export interface FileLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): LockOwner | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return 'unreadable';
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.token === 'string') {
      return owner as LockOwner;
    }
  } catch {
    // fall through: a lock we cannot parse was not written by this code (locks are written whole).
  }
  return 'unreadable';
}

function tryRemove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Takes the lock for `file` or throws StoreUnavailableError naming the file and the holder. */
export function acquireFileLock(file: string): FileLock {
  const lockPath = `${file}.lock`;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  const draft = `${lockPath}.${process.pid}.${owner.token}.tmp`;
  // Written in full first and then hard-linked into place: link() fails when the lock exists, so
  // the lock appears atomically with its content and no reader ever sees a half-written owner.
  writeFileSync(draft, JSON.stringify(owner));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, lockPath);
        return {
          path: lockPath,
          release: () => {
            const current = readOwner(lockPath);
            if (typeof current === 'object' && current.token === owner.token) tryRemove(lockPath);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreUnavailableError(
            file,
            `cannot create lock file ${lockPath}: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
      }
      const holder = readOwner(lockPath);
      if (holder === 'missing') continue;
      if (holder === 'unreadable') {
        throw new StoreUnavailableError(
          file,
          `lock file ${lockPath} exists but is not an Autopilot lock; remove it if no Autopilot process uses this store`,
        );
      }
      if (holder.host !== owner.host || isAlive(holder.pid)) {
        const who = holder.pid === process.pid ? `this process (pid ${holder.pid})` : `process ${holder.pid}`;
        throw new StoreUnavailableError(
          file,
          `is locked by ${who} on ${holder.host} since ${holder.since} (lock file ${lockPath}); close that store first`,
        );
      }
      // Stale: move it aside, then check that what we moved is the stale lock we judged and not a
      // fresh one another process created meanwhile (if so, put it back and try again).
      const aside = `${lockPath}.stale.${owner.token}`;
      try {
        renameSync(lockPath, aside);
      } catch {
        continue;
      }
      const moved = readOwner(aside);
      if (typeof moved === 'object' && moved.token !== holder.token) {
        try {
          linkSync(aside, lockPath);
        } catch {
          // someone else holds it now; the next attempt reports them
        }
      }
      tryRemove(aside);
    }
    throw new StoreUnavailableError(file, `could not take lock file ${lockPath}: it keeps changing hands`);
  } finally {
    tryRemove(draft);
  }
}
