import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '@autopilot/kernel';
import type { Collection, CollectionSpec, Doc, DocumentStore, StoreTransaction } from '../document-store';
import { StoreUnavailableError, StoreUnknownCollectionError, StoreUsageError } from '../errors';
import { assertCollectionName, assertFieldPath } from '../query';
import { insideTransactionOf, transactionScope, type TransactionScope } from '../transaction-scope';
import { AsyncMutex } from './async-mutex';
import { acquireFileLock, type FileLock } from './file-lock';
import {
  purgeExpired,
  SqliteCollection,
  type Runner,
  type SqliteContext,
  type TableInfo,
} from './sqlite-collection';
import { isSqliteError, translateSqliteError } from './sqlite-errors';
import {
  addFieldColumnSql,
  createArrayIndexSql,
  createIndexSql,
  createTableSql,
  holdsArraySql,
  indexedPaths,
} from './sqlite-schema';

export interface SqliteStoreOptions {
  /** The store file; created (with its directory) when missing. */
  file: string;
  /** Decides lease expiry. Default: the system clock. */
  clock?: Clock;
  /** How often expired lease documents are removed from storage. Default 60 s; 0 disables the timer. */
  purgeIntervalMs?: number;
  /** How long to wait for another connection's write lock before failing. Default 5 s. */
  busyTimeoutMs?: number;
  /**
   * The most memory SQLite's page cache of this connection holds, in KiB (a whole number, at least
   * 1). Default 2000, SQLite's own (DEFAULT_PAGE_CACHE_KIB).
   */
  pageCacheKiB?: number;
  /**
   * Called with every SQL statement as it runs, values filled in: for diagnostics and query-plan
   * tests. The text holds document contents, so never point it at a log in production.
   */
  trace?: (sql: string) => void;
  /**
   * Where errors of the background purge timer go (it has no caller to reject to). Default: none;
   * the runtime passes its logger.
   */
  onBackgroundError?: (err: unknown) => void;
}

/**
 * SQLite's own default page cache per connection, 2000 KiB. better-sqlite3 builds SQLite with 16000
 * KiB, which a store fills with the pages of what it writes (a plan's envelopes and documents are
 * tens of megabytes) and keeps for the life of the connection: 32 MB of resident memory for the two
 * stores of `autopilot plan`. WAL reads of pages not cached come from the OS's file cache.
 */
const DEFAULT_PAGE_CACHE_KIB = 2000;

const MAX_CACHED_STATEMENTS = 500;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuses a file that exists but is not SQLite before SQLite touches it: opening garbage in WAL mode
 * could otherwise be answered by rewriting it, and the user's bytes must stay as they were.
 */
function assertSqliteFile(file: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 512 || !header.equals(SQLITE_HEADER)) {
    throw new StoreUnavailableError(
      file,
      'is not a valid Autopilot store (no SQLite header); it was left untouched: move it aside or point the store elsewhere',
    );
  }
}

/**
 * Opens (or creates) the embedded store: one SQLite file in WAL mode with synchronous=NORMAL, which
 * keeps every committed write across a process crash. Throws StoreUnavailableError naming the file
 * when it is not a valid store or another live process holds it; nothing is written then.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteDocumentStore> {
  const file = resolve(options.file);
  const cacheKiB = pageCacheKiB(options.pageCacheKiB);
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw new StoreUnavailableError(file, `cannot create its directory: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const lock = acquireFileLock(file);
  let db: Database.Database | undefined;
  try {
    assertSqliteFile(file);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    db = new Database(file, {
      timeout: busyTimeoutMs,
      ...(options.trace ? { verbose: (sql: unknown) => options.trace?.(String(sql)) } : {}),
    });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Number(busyTimeoutMs)}`);
    // Negative: a size in KiB, not a number of pages.
    db.pragma(`cache_size = ${-cacheKiB}`);
    // Reads the schema now, so a file corrupt past its header fails here and not on first use.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (err) {
    db?.close();
    lock.release();
    throw translateSqliteError(err, file);
  }
  return new SqliteDocumentStore(file, db, lock, {
    clock: options.clock ?? systemClock,
    purgeIntervalMs: options.purgeIntervalMs ?? 60_000,
    onBackgroundError: options.onBackgroundError ?? warnOnStderr,
  });
}

/** `pageCacheKiB` checked: a whole number of KiB, at least 1. */
function pageCacheKiB(kib: number = DEFAULT_PAGE_CACHE_KIB): number {
  if (!Number.isInteger(kib) || kib < 1)
    throw new StoreUsageError(`pageCacheKiB must be a whole number of KiB, at least 1; got ${String(kib)}`);
  return kib;
}

/** The default for background errors when the caller gave no handler: a process warning on stderr. */
function warnOnStderr(err: unknown): void {
  process.emitWarning(err instanceof Error ? err : new Error(String(err)), {
    code: 'AUTOPILOT_STORE_BACKGROUND',
  });
}

/** The embedded DocumentStore. Create with `openSqliteStore`. */
export class SqliteDocumentStore implements DocumentStore {
  private readonly tables = new Map<string, TableInfo>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly mutex = new AsyncMutex();
  private readonly context: SqliteContext;
  private readonly purgeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** @internal use openSqliteStore */
  constructor(
    readonly file: string,
    private readonly db: Database.Database,
    private readonly lock: FileLock,
    opts: { clock: Clock; purgeIntervalMs: number; onBackgroundError: (err: unknown) => void },
  ) {
    this.context = { file, clock: opts.clock, statement: (sql) => this.statement(sql) };
    if (opts.purgeIntervalMs > 0) {
      // Reported, not swallowed: a purge that keeps failing (disk full, a corrupt page) is the
      // first sign of a store about to fail its callers too.
      const purge = (): void => {
        this.purgeExpired().catch((err: unknown) => {
          if (!this.closed) opts.onBackgroundError(err);
        });
      };
      this.purgeTimer = setInterval(purge, opts.purgeIntervalMs);
      this.purgeTimer.unref();
    }
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    assertCollectionName(spec.name);
    for (const index of spec.indexes ?? []) Object.keys(index.fields).forEach(assertFieldPath);
    if (spec.expiresAtField !== undefined) assertFieldPath(spec.expiresAtField);
    await this.exclusive(() => {
      try {
        this.db.transaction(() => {
          this.db.exec(createTableSql(spec.name));
          const existing = this.db.prepare('SELECT name FROM pragma_table_xinfo(?)').all(`c:${spec.name}`);
          const columns = new Set((existing as Array<{ name: string }>).map((c) => c.name));
          const paths = indexedPaths(spec);
          for (const path of paths)
            if (!columns.has(`f:${path}`)) this.db.exec(addFieldColumnSql(spec.name, path));
          for (const index of spec.indexes ?? []) this.db.exec(createIndexSql(spec.name, index));
          if (spec.expiresAtField)
            this.db.exec(createIndexSql(spec.name, { fields: { [spec.expiresAtField]: 1 } }));
          const arrays = new Set<string>();
          for (const path of paths) {
            this.db.exec(createArrayIndexSql(spec.name, path));
            if (this.db.prepare(holdsArraySql(spec.name, path)).get() !== undefined) arrays.add(path);
          }
          this.tables.set(spec.name, { spec, indexed: new Set(paths), arrays });
        })();
      } catch (err) {
        throw translateSqliteError(err, this.file, spec.name, '(while creating a unique index)');
      }
    });
  }

  collection<T extends Doc>(name: string): Collection<T> {
    return new SqliteCollection<T>(this.context, this.table(name), (operation) => this.exclusive(operation));
  }

  transaction<R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R> {
    if (insideTransactionOf(this)) {
      return Promise.reject(
        new StoreUsageError('transaction() called inside a transaction of the same store'),
      );
    }
    return this.exclusive(async () => {
      const scope: TransactionScope = { store: this, active: true };
      const run: Runner = (operation) => {
        if (!scope.active) {
          return Promise.reject(
            new StoreUsageError('a transaction handle was used after its transaction ended'),
          );
        }
        try {
          return Promise.resolve(operation());
        } catch (err) {
          return Promise.reject(err);
        }
      };
      const tx: StoreTransaction = {
        collection: <T extends Doc>(name: string) =>
          new SqliteCollection<T>(this.context, this.table(name), run),
      };
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        throw translateSqliteError(err, this.file);
      }
      try {
        const result = await transactionScope.run(scope, () => fn(tx));
        scope.active = false;
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        scope.active = false;
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        // The callback's own errors are the caller's: rethrown as they are. Operations through
        // `tx` translated theirs already; what is left from SQLite is COMMIT failing.
        throw isSqliteError(err) ? translateSqliteError(err, this.file) : err;
      }
    });
  }

  /** Removes expired lease documents from storage now; returns how many. Runs on a timer too. */
  purgeExpired(): Promise<number> {
    return this.exclusive(() => {
      let removed = 0;
      try {
        for (const info of this.tables.values()) removed += purgeExpired(this.context, info);
      } catch (err) {
        throw translateSqliteError(err, this.file);
      }
      return removed;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Queued behind any running transaction, so it commits or rolls back before the file closes.
    await this.mutex.run(() => {
      if (this.closed) return;
      this.closed = true;
      if (this.purgeTimer) clearInterval(this.purgeTimer);
      this.statements.clear();
      try {
        this.db.close();
      } finally {
        this.lock.release();
      }
    });
  }

  private table(name: string): TableInfo {
    const info = this.tables.get(name);
    if (!info) throw new StoreUnknownCollectionError(name);
    return info;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Statement text depends only on a query's shape, but `$in` lists of many lengths make many
      // shapes: bound the cache rather than let it grow with them.
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs an operation outside any transaction, after whatever is ahead in the queue. */
  private exclusive<R>(operation: () => R | Promise<R>): Promise<R> {
    if (insideTransactionOf(this)) {
      // Waiting for the queue here would wait for the very transaction this call is part of.
      return Promise.reject(
        new StoreUsageError(
          'store.collection() used inside transaction(fn): use tx.collection() so the write joins it',
        ),
      );
    }
    return this.mutex.run(() => {
      if (this.closed) throw new StoreUnavailableError(this.file, 'the store is closed');
      return operation();
    });
  }
}
