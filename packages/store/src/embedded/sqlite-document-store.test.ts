import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@autopilot/testing';
import { documentStoreConformance } from '../testing/conformance';
import { openSqliteStore, type SqliteDocumentStore } from './sqlite-document-store';
import type { Doc } from '../document-store';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-sqlite-'));
let files = 0;
const freshFile = (): string => join(dir, `store-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

documentStoreConformance('SqliteDocumentStore', () => openSqliteStore({ file: freshFile() }));

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

  it('takes over the lock of a process that died without closing', async () => {
    const file = freshFile();
    const child = await holdInAnotherProcess(file);
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(`${file}.lock`)).toBe(true);
    const store = await openStore(file);
    await store.ensureCollection({ name: 'held' });
    expect(await store.collection('held').get('holder')).toMatchObject({ pid: child.pid });
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
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

  it('refuses use after close with StoreUnavailableError', async () => {
    const store = await openSqliteStore({ file: freshFile() });
    await store.ensureCollection({ name: 'x' });
    const x = store.collection('x');
    await store.close();
    await expect(x.get('a')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
