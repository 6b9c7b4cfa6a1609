import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { eventually, FakeClock } from '@autopilot/testing';
import { documentStoreConformance } from '../testing/conformance';
import { openSqliteStore, type SqliteDocumentStore } from './sqlite-document-store';
import type { Doc } from '../document-store';
import {
  commitWithOutbox,
  declareOutbox,
  markPublished,
  pendingOutbox,
  pendingOutboxPage,
  prunePublishedOutbox,
} from '../outbox';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-sqlite-'));
let files = 0;
const freshFile = (): string => join(dir, `store-${++files}.db`);
const ids = (docs: readonly Doc[]): string[] => docs.map((d) => d._id);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

documentStoreConformance('SqliteDocumentStore', ({ clock }) => openSqliteStore({ file: freshFile(), clock }));

const HOLDER = join(__dirname, '../testing/fixtures/hold-store.cjs');

/** Starts a real node process holding the store at `file` open; resolves once it says so. */
function holdInAnotherProcess(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOLDER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve(child);
      if (out.startsWith('error')) reject(new Error(out));
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

describe('SqliteDocumentStore beyond the port', () => {
  const open: SqliteDocumentStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  async function openStore(file: string, clock?: FakeClock): Promise<SqliteDocumentStore> {
    const store = await openSqliteStore({ file, ...(clock ? { clock } : {}) });
    open.push(store);
    return store;
  }

  it('keeps documents, indexes and lease rules across close and reopen', async () => {
    const file = freshFile();
    const first = await openSqliteStore({ file });
    await first.ensureCollection({ name: 'users', indexes: [{ fields: { email: 1 }, unique: true }] });
    await first.collection('users').insert({ _id: 'u1', email: 'ann@example.com' });
    await first.transaction(async (tx) => {
      await tx.collection('users').insert({ _id: 'u2', email: 'bob@example.com' });
    });
    await first.close();
    // The lock file goes with the lock; the sidecar lock database itself stays (file-lock.ts).
    expect(existsSync(`${file}.lock`)).toBe(false);

    const second = await openStore(file);
    await second.ensureCollection({ name: 'users', indexes: [{ fields: { email: 1 }, unique: true }] });
    const users = second.collection<Doc>('users');
    expect(await users.get('u1')).toEqual({ _id: 'u1', email: 'ann@example.com' });
    expect(await users.count()).toBe(2);
    await expect(users.insert({ _id: 'u3', email: 'ann@example.com' })).rejects.toMatchObject({
      code: 'STORE_DUPLICATE_KEY',
    });
  });

  it('opens in WAL mode with synchronous=NORMAL', async () => {
    const file = freshFile();
    await openStore(file);
    // A second read-only connection sees the persisted journal mode.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it("holds SQLite's own page cache, 2000 KiB, not better-sqlite3's 16000, unless told another size", async () => {
    const pragmas = async (options: { pageCacheKiB?: number }): Promise<string[]> => {
      const statements: string[] = [];
      open.push(
        await openSqliteStore({ file: freshFile(), ...options, trace: (sql) => statements.push(sql) }),
      );
      return statements.filter((sql) => sql.startsWith('PRAGMA cache_size'));
    };
    expect(await pragmas({})).toEqual(['PRAGMA cache_size = -2000']);
    expect(await pragmas({ pageCacheKiB: 512 })).toEqual(['PRAGMA cache_size = -512']);
    for (const pageCacheKiB of [0, -5, 1.5, Number.NaN]) {
      await expect(openSqliteStore({ file: freshFile(), pageCacheKiB })).rejects.toMatchObject({
        code: 'STORE_USAGE',
      });
    }
  });

  it('refuses a corrupted file with StoreUnavailableError and leaves its bytes untouched', async () => {
    const file = freshFile();
    const garbage = Buffer.alloc(8192, 0);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) % 251;
    writeFileSync(file, garbage);
    const error = await openSqliteStore({ file }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', location: file });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/not a valid Autopilot store/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses a file whose SQLite pages are corrupt past a valid header, without modifying it', async () => {
    const file = freshFile();
    const store = await openSqliteStore({ file });
    await store.ensureCollection({ name: 'x' });
    await store.collection('x').insert({ _id: 'a' });
    await store.close();
    const bytes = readFileSync(file);
    const damaged = Buffer.from(bytes);
    // Keep the 16-byte magic, scramble the rest of the header and the schema page.
    for (let i = 16; i < Math.min(damaged.length, 4096); i++) damaged[i] = 0xa5;
    writeFileSync(file, damaged);
    await expect(openSqliteStore({ file })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      location: file,
    });
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('refuses a store another live process holds, naming the file and the holder, and writes nothing', async () => {
    const file = freshFile();
    const child = await holdInAnotherProcess(file);
    try {
      const before = readFileSync(file);
      const error = await openSqliteStore({ file }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', location: file });
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain(`process ${child.pid}`);
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(child.pid);
    } finally {
      child.stdin?.end();
      await exited(child);
    }
    // Released on close: the store opens now.
    const store = await openStore(file);
    await store.ensureCollection({ name: 'held' });
    expect(await store.collection('held').get('holder')).toMatchObject({ pid: child.pid });
  });

  /** Starts a holder and resolves with what it said first: `ready` or its error line. */
  function racingHolder(file: string): { child: ChildProcess; said: Promise<string> } {
    const child = spawn(process.execPath, [HOLDER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    const said = new Promise<string>((resolve) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.on('exit', (code) => resolve(out.split('\n')[0] || `exited with ${code}`));
    });
    return { child, said };
  }

  it('two processes opening one store at the same moment: one holds it, the other is refused naming it (8 rounds)', async () => {
    for (let round = 0; round < 8; round++) {
      const file = freshFile();
      const racers = [racingHolder(file), racingHolder(file)];
      try {
        const said = await Promise.all(racers.map((r) => r.said));
        const winners = racers.filter((_, i) => said[i] === 'ready');
        expect({ round, said, winners: winners.length }).toMatchObject({ round, winners: 1 });
        const loser = said.find((line) => line !== 'ready') as string;
        expect(loser).toMatch(/^error STORE_UNAVAILABLE: /);
        expect(loser).toContain(file);
        expect(loser).toContain(`process ${winners[0]?.child.pid}`);
      } finally {
        for (const { child } of racers) child.stdin?.end();
        await Promise.all(racers.map(({ child }) => exited(child)));
      }
    }
  }, 60_000);

  /**
   * Starts a process that says `pending` once someone holds SQLite's pending lock on `lockPath`: the
   * lock an opener holds while it waits for the exclusive one, and which refuses new shared locks.
   * It has to be another process: SQLite grants a shared lock between connections of one process
   * without asking the kernel, so from here the pending lock cannot be seen.
   */
  function pendingLockWatcher(lockPath: string): { child: ChildProcess; saw: Promise<string> } {
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const probe = new Database(${JSON.stringify(lockPath)}, { timeout: 0 });
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (;;) {
        try { probe.prepare('SELECT count(*) FROM sqlite_master').get(); }
        catch (err) { if (err.code === 'SQLITE_BUSY') break; throw err; }
        Atomics.wait(pause, 0, 0, 2);
      }
      process.stdout.write('pending\\n');`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const saw = new Promise<string>((resolve) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', (code) => resolve(out.trim() || `watcher exited with ${code}`));
    });
    return { child, saw };
  }

  // What a simultaneous opener does to the lock database: it holds SQLite's shared lock for a moment
  // on the way to its exclusive one. An opener that meets that must wait it out, not call the store
  // held; otherwise two openers at the same moment can both be refused (seen in CI).
  it('an opener that meets another opener’s passing shared lock waits for it and opens', async () => {
    const file = freshFile();
    const lockPath = `${file}.lock.db`;
    const passing = new Database(lockPath);
    passing.exec('BEGIN');
    passing.prepare('SELECT count(*) FROM sqlite_master').get(); // takes and keeps the shared lock
    const watcher = pendingLockWatcher(lockPath);
    const opener = racingHolder(file);
    try {
      // Whichever comes first: the opener waiting (pending lock seen) or the opener's answer.
      const first = await Promise.race([watcher.saw, opener.said.then((said) => `opener said: ${said}`)]);
      expect(first).toBe('pending');
      passing.exec('COMMIT');
      expect(await opener.said).toBe('ready');
    } finally {
      if (passing.inTransaction) passing.exec('COMMIT');
      passing.close();
      watcher.child.kill();
      opener.child.stdin?.end();
      await Promise.all([exited(watcher.child), exited(opener.child)]);
    }
  });

  it('takes over the lock of a process that died without closing', async () => {
    const file = freshFile();
    const child = await holdInAnotherProcess(file);
    child.kill('SIGKILL');
    await exited(child);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(child.pid);
    const store = await openStore(file);
    await store.ensureCollection({ name: 'held' });
    expect(await store.collection('held').get('holder')).toMatchObject({ pid: child.pid });
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
  });

  // In a container node is PID 1: after a crash the restarted process has the dead one's pid, and
  // a replaced pod has a new host name. Neither may keep a lock nobody holds.
  it.each([
    ['our own pid on this host (a restarted container)', () => ({ pid: process.pid, host: hostname() })],
    ['another host (a replaced pod)', () => ({ pid: 999_999, host: 'old-pod-7f9c' })],
  ])('takes over a lock recorded by %s that nobody holds', async (_label, recorded) => {
    const file = freshFile();
    await (await openSqliteStore({ file })).close();
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ ...recorded(), token: 'old-run', since: '2026-01-01T00:00:00.000Z' }),
    );
    const store = await openStore(file);
    await store.ensureCollection({ name: 'x' });
    const holder = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { pid: number; token: string };
    expect(holder.pid).toBe(process.pid);
    expect(holder.token).not.toBe('old-run');
  });

  it('names an unknown holder when the lock is held but its record is missing', async () => {
    const file = freshFile();
    await openStore(file);
    rmSync(`${file}.lock`);
    const error = await openSqliteStore({ file }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', location: file });
    expect((error as Error).message).toContain('locked by another process');
  });

  it('refuses a lock database that is not one, naming it', async () => {
    const file = freshFile();
    writeFileSync(`${file}.lock.db`, 'somebody else wrote this file, and it is not SQLite'.repeat(20));
    const error = await openSqliteStore({ file }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', location: file });
    expect((error as Error).message).toMatch(/is not an Autopilot lock; remove it/);
    expect((error as Error).cause).toBeDefined();
  });

  it('refuses a second open of the same file in this process', async () => {
    const file = freshFile();
    await openStore(file);
    await expect(openSqliteStore({ file })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('purges expired lease documents from storage, not only from view', async () => {
    const clock = new FakeClock();
    const store = await openStore(freshFile(), clock);
    await store.ensureCollection({ name: 'leases', expiresAtField: 'expiresAt' });
    const leases = store.collection<Doc>('leases');
    await leases.insert({ _id: 'a', expiresAt: clock.now() + 1000 });
    await leases.insert({ _id: 'b', expiresAt: clock.now() + 5000 });
    clock.advance(1000);
    expect(await leases.get('a')).toBeNull();
    expect(await store.purgeExpired()).toBe(1);
    clock.advance(10_000);
    expect(await leases.count()).toBe(0);
    expect(await store.purgeExpired()).toBe(1);
  });

  it('makes other callers wait while a transaction is open rather than join it', async () => {
    const store = await openStore(freshFile());
    await store.ensureCollection({ name: 'q' });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tx = store.transaction(async (t) => {
      await t.collection('q').insert({ _id: 'tx' });
      order.push('tx-wrote');
      await gate;
      order.push('tx-done');
    });
    const reader = store
      .collection('q')
      .count()
      .then((n) => order.push(`read-${n}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['tx-wrote']);
    release();
    await Promise.all([tx, reader]);
    expect(order).toEqual(['tx-wrote', 'tx-done', 'read-1']);
  });

  describe('query plans of the outbox relay (an index search, never a scan of the table)', () => {
    /** The plan SQLite picks for each statement the store ran while `fn` ran. */
    async function plansOf(fn: (store: SqliteDocumentStore) => Promise<unknown>): Promise<string[][]> {
      const file = freshFile();
      const statements: string[] = [];
      let tracing = false;
      const store = await openSqliteStore({ file, trace: (sql) => tracing && statements.push(sql) });
      open.push(store);
      await declareOutbox(store);
      const events = Array.from({ length: 50 }, (_, i) => ({
        id: `e${String(i).padStart(3, '0')}`,
        type: 'test.ping.v1',
        source: 'test',
        time: new Date(0).toISOString(),
        subject: 'ap.v1.evt.test.ping',
        data: { n: i },
      }));
      await commitWithOutbox(store, async () => ({ result: null, events }));
      await markPublished(
        store,
        events.slice(0, 40).map((e) => e.id),
      );
      const Database = (await import('better-sqlite3')).default;
      tracing = true;
      await fn(store);
      tracing = false;
      const db = new Database(file, { readonly: true });
      try {
        return statements
          .filter((sql) => /^\s*(SELECT|DELETE)/i.test(sql))
          .map((sql) =>
            (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail),
          );
      } finally {
        db.close();
      }
    }

    it('lists pending entries through the outbox index, in its order (no temp B-tree sort)', async () => {
      const plans = await plansOf(async (store) => {
        expect(await pendingOutbox(store, 5)).toHaveLength(5);
      });
      // The page of states, then their envelopes by primary key.
      expect(plans).toHaveLength(2);
      const [states, envelopes] = plans.map((p) => p.join('\n'));
      expect(states).toMatch(/SEARCH c:outbox USING INDEX .*ix:outbox:publishedAt_1,failedAt_1,seq_1,_id_1/);
      expect(envelopes).toMatch(/SEARCH c:outbox_envelopes USING (INDEX sqlite_autoindex|PRIMARY KEY)/);
      for (const plan of [states, envelopes]) expect(plan).not.toMatch(/SCAN c:outbox|TEMP B-TREE/);
    });

    it('lists entries appended after a seq through the same index', async () => {
      const plans = await plansOf(async (store) => {
        expect((await pendingOutboxPage(store, { limit: 5, afterSeq: 45 })).items).toHaveLength(5);
      });
      const [states] = plans.map((p) => p.join('\n'));
      expect(states).toMatch(
        /SEARCH c:outbox USING INDEX .*ix:outbox:publishedAt_1,failedAt_1,seq_1,_id_1 \(.*f:seq>\?\)/,
      );
      expect(states).not.toMatch(/SCAN c:outbox|TEMP B-TREE/);
    });

    it('prunes published entries through the same index', async () => {
      const plans = await plansOf(async (store) => {
        expect(await prunePublishedOutbox(store, Number.MAX_SAFE_INTEGER)).toBe(40);
      });
      expect(plans).toHaveLength(1);
      expect((plans[0] as string[]).join('\n')).toMatch(/SEARCH c:outbox USING INDEX/);
      expect((plans[0] as string[]).join('\n')).not.toMatch(/SCAN c:outbox/);
    });
  });

  describe('query plans of equality on indexed fields', () => {
    /** The plans of the SELECTs `fn` ran on a `tasks` collection indexed on (projectId, status). */
    async function plansOf(
      docs: readonly Doc[],
      fn: (store: SqliteDocumentStore) => Promise<unknown>,
    ): Promise<string> {
      const file = freshFile();
      const statements: string[] = [];
      let tracing = false;
      const store = await openSqliteStore({ file, trace: (sql) => tracing && statements.push(sql) });
      open.push(store);
      await store.ensureCollection({ name: 'tasks', indexes: [{ fields: { projectId: 1, status: 1 } }] });
      for (const doc of docs) await store.collection('tasks').insert(doc);
      tracing = true;
      await fn(store);
      tracing = false;
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(file, { readonly: true });
      try {
        return statements
          .filter((sql) => /^\s*SELECT/i.test(sql))
          .flatMap((sql) =>
            (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail),
          )
          .join('\n');
      } finally {
        db.close();
      }
    }
    const tasks = Array.from({ length: 20 }, (_, i) => ({
      _id: `t${i}`,
      projectId: `p${i % 2}`,
      status: i % 3 === 0 ? 'ready' : 'blocked',
    }));

    it('searches the index for equality and $in while no document holds an array there', async () => {
      const plan = await plansOf(tasks, async (store) => {
        const c = store.collection('tasks');
        expect((await c.find({ projectId: 'p0', status: 'ready' })).items).toHaveLength(4);
        expect(await c.count({ projectId: 'p1', status: { $in: ['ready', 'blocked'] } })).toBe(10);
        expect((await c.find({ _id: { $in: ['t1', 't2', 'nope'] } })).items).toHaveLength(2);
      });
      expect(plan).toMatch(
        /SEARCH c:tasks USING INDEX ix:tasks:projectId_1,status_1 \(f:projectId=\? AND f:status=\?\)/,
      );
      expect(plan).toMatch(/SEARCH c:tasks USING INDEX sqlite_autoindex_c:tasks_1 \(_id=\?\)/);
      expect(plan).not.toMatch(/SCAN c:tasks/);
    });

    it('looks inside arrays once a document holds one there, and still finds scalars', async () => {
      const plan = await plansOf(
        [...tasks, { _id: 'x', projectId: ['p0', 'p9'], status: 'ready' }],
        async (store) => {
          const c = store.collection('tasks');
          expect(ids((await c.find({ projectId: 'p9' })).items)).toEqual(['x']);
          expect((await c.find({ projectId: 'p0', status: 'ready' })).items).toHaveLength(5);
        },
      );
      expect(plan).toMatch(/SCAN c:tasks/);
    });
  });

  it('remembers across reopen which indexed fields held an array', async () => {
    const file = freshFile();
    const first = await openSqliteStore({ file });
    await first.ensureCollection({ name: 'items', indexes: [{ fields: { tag: 1 } }] });
    await first.collection('items').insert({ _id: 'a', tag: ['red', 'blue'] });
    await first.collection('items').insert({ _id: 'b', tag: 'red' });
    await first.close();

    const second = await openStore(file);
    await second.ensureCollection({ name: 'items', indexes: [{ fields: { tag: 1 } }] });
    expect(ids((await second.collection('items').find({ tag: 'red' })).items)).toEqual(['a', 'b']);
    expect(ids((await second.collection('items').find({ tag: 'blue' })).items)).toEqual(['a']);
  });

  it('reports errors of the background purge instead of swallowing them', async () => {
    const errors: unknown[] = [];
    const clock = new FakeClock();
    const store = await openSqliteStore({
      file: freshFile(),
      clock,
      purgeIntervalMs: 10,
      onBackgroundError: (err) => errors.push(err),
    });
    open.push(store);
    await store.ensureCollection({ name: 'leases', expiresAtField: 'expiresAt' });
    // A clock that fails is the cheapest way to make the purge fail without corrupting the file.
    clock.now = () => {
      throw new Error('clock broke');
    };
    await eventually(() => expect(errors.length).toBeGreaterThan(0));
    expect((errors[0] as Error).message).toContain('clock broke');
  });

  it('types what the driver or JSON would throw raw: a value JSON cannot hold is a StoreUsageError with its cause', async () => {
    const store = await openStore(freshFile());
    await store.ensureCollection({ name: 'x' });
    const error = await store
      .collection('x')
      .insert({ _id: 'big', n: BigInt(1) })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: 'STORE_USAGE' });
    expect((error as Error).message).toContain('x/big');
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it("rethrows a transaction callback's own error as it is", async () => {
    const store = await openStore(freshFile());
    const mine = new TypeError('my own bug');
    await expect(store.transaction(() => Promise.reject(mine))).rejects.toBe(mine);
  });

  it('refuses use after close with StoreUnavailableError', async () => {
    const store = await openSqliteStore({ file: freshFile() });
    await store.ensureCollection({ name: 'x' });
    const x = store.collection('x');
    await store.close();
    await expect(x.get('a')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
