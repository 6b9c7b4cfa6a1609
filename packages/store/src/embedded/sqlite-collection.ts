import type { Statement } from 'better-sqlite3';
import type { Clock } from '@autopilot/kernel';
import {
  MAX_DOCUMENT_BYTES,
  type Collection,
  type CollectionSpec,
  type Doc,
  type Filter,
  type FindOptions,
  type IncrementGuard,
  type Page,
} from '../document-store';
import { StoreDocumentTooLargeError, StoreRevisionConflictError } from '../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import {
  assertIncrement,
  assertStorable,
  assertVersion,
  failedIncrementError,
  normalizeLimit,
  normalizeSort,
  parseFilter,
  readPath,
  type Clause,
} from '../query';
import { afterSql, fieldAccess, orderBySql, sortExpressions, whereSql, type FieldFacts } from './sql-filter';
import { SqlParams } from './sql-params';
import { jsonPath, tableName } from './sqlite-schema';
import { isPrimaryKeyViolation, translateSqliteError } from './sqlite-errors';

/** What a collection needs from its store: the connection's statement cache, the clock and the file name. */
export interface SqliteContext {
  readonly file: string;
  readonly clock: Clock;
  statement(sql: string): Statement;
}

/**
 * A declared collection: its spec, the paths that have generated columns, and those of them some
 * document has held an array in. `arrays` only grows (a write that brings the first array to an
 * indexed path adds it before the write runs, so a rolled-back write leaves it conservative); the
 * store fills it at declaration from what the file holds.
 */
export interface TableInfo extends FieldFacts {
  readonly spec: CollectionSpec;
  readonly arrays: Set<string>;
}

/** Runs a synchronous operation in the right place: the store's queue, or directly inside a transaction. */
export type Runner = <R>(operation: () => R) => Promise<R>;

/**
 * One collection as a SQLite table `(_id, doc JSON, generated columns...)`. Every method is a
 * synchronous better-sqlite3 call handed to `run`, which serialises it with transactions.
 */
export class SqliteCollection<T extends Doc> implements Collection<T> {
  private readonly table: string;
  private readonly name: string;

  constructor(
    private readonly ctx: SqliteContext,
    private readonly info: TableInfo,
    private readonly run: Runner,
  ) {
    this.name = info.spec.name;
    this.table = tableName(this.name);
  }

  get(id: string): Promise<T | null> {
    return this.guarded(() => this.read(id), id);
  }

  find(filter?: Filter, opts: FindOptions = {}): Promise<Page<T>> {
    return this.guarded(() => {
      const keys = normalizeSort(opts.sort);
      const limit = normalizeLimit(opts);
      const params = new SqlParams();
      const expressions = sortExpressions(keys, this.info.indexed, params);
      const select = expressions.map((expr, i) => `${expr} AS k${i}`).join(', ');
      const conditions = [whereSql(parseFilter(filter), this.info, params), this.visible(params)];
      if (opts.after !== undefined)
        conditions.push(afterSql(keys, expressions, decodeCursor(keys, opts.after), params));
      // One row more than the page tells whether another page exists without a second query.
      const sql = `SELECT doc, ${select} FROM ${this.table} WHERE ${conditions.join(' AND ')} ORDER BY ${orderBySql(keys, expressions)} LIMIT ${params.bind(limit + 1)}`;
      const rows = this.ctx.statement(sql).all(params.values) as Array<Record<string, unknown>>;
      const page = rows.slice(0, limit);
      const items = page.map((row) => JSON.parse(row['doc'] as string) as T);
      const last = page[page.length - 1];
      if (rows.length <= limit || last === undefined) return { items };
      return {
        items,
        next: encodeCursor(
          keys,
          keys.map((_, i) => last[`k${i}`]),
        ),
      };
    });
  }

  count(filter?: Filter): Promise<number> {
    return this.guarded(() => {
      const params = new SqlParams();
      const where = `${whereSql(parseFilter(filter), this.info, params)} AND ${this.visible(params)}`;
      const row = this.ctx
        .statement(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`)
        .get(params.values);
      return (row as { n: number }).n;
    });
  }

  insert(doc: T): Promise<void> {
    return this.guarded(() => {
      assertStorable(this.name, doc);
      noteArrays(this.info, doc);
      purgeExpired(this.ctx, this.info);
      this.ctx.statement(`INSERT INTO ${this.table} (_id, doc) VALUES (@id, @doc)`).run({
        id: doc._id,
        doc: this.json(doc),
      });
    }, doc?._id);
  }

  upsert(doc: T): Promise<void> {
    return this.guarded(() => {
      assertStorable(this.name, doc);
      noteArrays(this.info, doc);
      purgeExpired(this.ctx, this.info);
      this.ctx
        .statement(
          `INSERT INTO ${this.table} (_id, doc) VALUES (@id, @doc) ON CONFLICT (_id) DO UPDATE SET doc = excluded.doc`,
        )
        .run({ id: doc._id, doc: this.json(doc) });
    }, doc?._id);
  }

  replaceIfVersion(doc: T, expectedVersion: number): Promise<T> {
    return this.guarded(() => {
      assertStorable(this.name, doc);
      noteArrays(this.info, doc);
      assertVersion(expectedVersion);
      const stored = { ...doc, version: expectedVersion + 1 };
      const text = this.json(stored);
      if (expectedVersion === 0) {
        purgeExpired(this.ctx, this.info);
        try {
          this.ctx
            .statement(`INSERT INTO ${this.table} (_id, doc) VALUES (@id, @doc)`)
            .run({ id: doc._id, doc: text });
          return stored;
        } catch (err) {
          if (!isPrimaryKeyViolation(err)) throw err;
          throw this.conflict(doc._id, expectedVersion);
        }
      }
      const params = new SqlParams();
      const sql = `UPDATE ${this.table} SET doc = ${params.bind(text)} WHERE _id = ${params.bind(doc._id)} AND json_type(doc, '$.version') IN ('integer', 'real') AND json_extract(doc, '$.version') = ${params.bind(expectedVersion)} AND ${this.visible(params)}`;
      if (this.ctx.statement(sql).run(params.values).changes === 0)
        throw this.conflict(doc._id, expectedVersion);
      return stored;
    }, doc?._id);
  }

  increment(id: string, field: string, by: number, guard: IncrementGuard = {}): Promise<number> {
    return this.guarded(() => {
      assertIncrement(field, by);
      // One UPDATE that checks the guard and writes, so no interleaving (in this process or another
      // connection) can overshoot the cap: SQLite serialises writers.
      const params = new SqlParams();
      const path = params.bind(jsonPath(field));
      const next = `(COALESCE(json_extract(doc, ${path}), 0) + ${params.bind(by)})`;
      const conditions = [
        `_id = ${params.bind(id)}`,
        `(json_type(doc, ${path}) IS NULL OR json_type(doc, ${path}) IN ('integer', 'real'))`,
        this.visible(params),
      ];
      if (guard.max !== undefined) conditions.push(`${next} <= ${params.bind(guard.max)}`);
      if (guard.min !== undefined) conditions.push(`${next} >= ${params.bind(guard.min)}`);
      const sql = `UPDATE ${this.table} SET doc = json_set(doc, ${path}, ${next}) WHERE ${conditions.join(' AND ')} RETURNING json_extract(doc, ${path}) AS value`;
      const row = this.ctx.statement(sql).get(params.values) as { value: number } | undefined;
      if (row) return row.value;
      throw failedIncrementError(this.name, id, field, by, this.read(id));
    }, id);
  }

  delete(id: string): Promise<boolean> {
    return this.guarded(() => {
      const params = new SqlParams();
      const sql = `DELETE FROM ${this.table} WHERE _id = ${params.bind(id)} AND ${this.visible(params)}`;
      return this.ctx.statement(sql).run(params.values).changes > 0;
    }, id);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.guarded(() => {
      const clauses: Clause[] = parseFilter(filter);
      const params = new SqlParams();
      const sql = `DELETE FROM ${this.table} WHERE ${whereSql(clauses, this.info, params)} AND ${this.visible(params)}`;
      return this.ctx.statement(sql).run(params.values).changes;
    });
  }

  private read(id: string): T | null {
    const params = new SqlParams();
    const sql = `SELECT doc FROM ${this.table} WHERE _id = ${params.bind(id)} AND ${this.visible(params)}`;
    const row = this.ctx.statement(sql).get(params.values) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : null;
  }

  /** The condition that hides lease documents past their expiry the moment it passes. */
  /**
   * The document as stored, refused past MAX_DOCUMENT_BYTES (MongoDB's limit, kept here too). Its
   * UTF-8 size is counted only when its length leaves a doubt: a UTF-16 unit is 1 to 3 bytes.
   */
  private json(doc: Doc): string {
    const text = JSON.stringify(doc);
    if (text.length * 3 <= MAX_DOCUMENT_BYTES) return text;
    const bytes = text.length > MAX_DOCUMENT_BYTES ? text.length : Buffer.byteLength(text);
    if (bytes > MAX_DOCUMENT_BYTES)
      throw new StoreDocumentTooLargeError(this.name, doc._id, bytes, MAX_DOCUMENT_BYTES);
    return text;
  }

  private visible(params: SqlParams): string {
    const field = this.info.spec.expiresAtField;
    if (field === undefined) return '1';
    const value = fieldAccess(field, this.info.indexed).value(params);
    return `NOT (typeof(${value}) IN ('integer', 'real') AND ${value} <= ${params.bind(this.ctx.clock.now())})`;
  }

  private conflict(id: string, expectedVersion: number): StoreRevisionConflictError {
    const current = this.read(id);
    const actual = current === null ? null : typeof current['version'] === 'number' ? current['version'] : 0;
    return new StoreRevisionConflictError(this.name, id, expectedVersion, actual);
  }

  private guarded<R>(operation: () => R, id?: string): Promise<R> {
    return this.run(() => {
      try {
        return operation();
      } catch (err) {
        throw translateSqliteError(err, this.ctx.file, this.name, id);
      }
    });
  }
}

/** Adds the indexed paths where `doc` holds an array to `info.arrays` (before the write that stores it). */
function noteArrays(info: TableInfo, doc: Doc): void {
  if (info.arrays.size === info.indexed.size) return;
  for (const path of info.indexed) {
    if (!info.arrays.has(path) && Array.isArray(readPath(doc, path))) info.arrays.add(path);
  }
}

/** Removes a collection's lease documents past their expiry; returns how many. A no-op for other collections. */
export function purgeExpired(ctx: SqliteContext, info: TableInfo): number {
  const field = info.spec.expiresAtField;
  if (field === undefined) return 0;
  const params = new SqlParams();
  const value = fieldAccess(field, info.indexed).value(params);
  const sql = `DELETE FROM ${tableName(info.spec.name)} WHERE typeof(${value}) IN ('integer', 'real') AND ${value} <= ${params.bind(ctx.clock.now())}`;
  return ctx.statement(sql).run(params.values).changes;
}
