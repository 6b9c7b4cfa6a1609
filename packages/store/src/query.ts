import type { Doc, Filter, FindOptions, Sort } from './document-store';
import { StoreCapExceededError, StoreNotFoundError, StoreUsageError } from './errors';

/**
 * Validation and normalisation of the port's query language, shared by both adapters so they
 * accept and refuse exactly the same inputs (a filter that works on MongoDB but not on SQLite would
 * break the embedded topology only).
 */

/** Operators of FieldCondition; anything else starting with `$` is refused. */
export const OPERATORS = ['$eq', '$ne', '$in', '$gt', '$gte', '$lt', '$lte', '$exists'] as const;
export type Operator = (typeof OPERATORS)[number];

/** One condition on one field: the filter is the conjunction of these. */
export interface Clause {
  path: string;
  op: Operator;
  value: unknown;
}

/** A sort key after normalisation; the list always ends with `_id`. */
export interface SortKey {
  path: string;
  dir: 1 | -1;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

// Segments are restricted so a path can be embedded in a SQLite JSON path or a generated column's
// DDL without quoting problems, and so numeric segments (array positions in MongoDB, object keys in
// SQLite) cannot mean different things on the two adapters.
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new StoreUsageError(
      `collection name ${JSON.stringify(name)} is invalid: use a letter then up to 62 letters, digits, _ or -`,
    );
  }
}

export function assertFieldPath(path: string): void {
  if (path === '_id') return;
  if (typeof path !== 'string' || !path.split('.').every((segment) => SEGMENT.test(segment))) {
    throw new StoreUsageError(
      `field path ${JSON.stringify(path)} is invalid: dot-separated names of letters, digits, _ or -, not starting with a digit`,
    );
  }
}

/** Reads a dot path from a document; undefined when any step is missing. */
export function readPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isCondition(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  const operators = keys.filter((k) => k.startsWith('$'));
  if (operators.length > 0 && operators.length !== keys.length) {
    throw new StoreUsageError(`a condition mixes operators and field names: ${JSON.stringify(keys)}`);
  }
  return operators.length > 0;
}

function assertComparable(path: string, op: string, value: unknown): void {
  const ok = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
  if (!ok) throw new StoreUsageError(`${path}: ${op} takes a finite number or a string`);
}

/**
 * Ranges are defined over one type per field (DocumentStore's `Sort` JSDoc): bounds of two types in
 * one condition (`{ $gt: 1, $lt: 'z' }`) would match nothing on one adapter and something on the
 * other, so they are refused.
 */
function assertOneRangeType(path: string, condition: Record<string, unknown>): void {
  const types = new Set(
    ['$gt', '$gte', '$lt', '$lte'].filter((op) => op in condition).map((op) => typeof condition[op]),
  );
  if (types.size > 1) {
    throw new StoreUsageError(`${path}: range bounds must all be numbers or all be strings`);
  }
}

function assertJsonValue(path: string, value: unknown): void {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new StoreUsageError(`${path}: cannot match ${typeof value}`);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new StoreUsageError(`${path}: cannot match a non-finite number`);
  }
}

/** Validates `filter` and flattens it into clauses; throws StoreUsageError for anything outside the language. */
export function parseFilter(filter: Filter = {}): Clause[] {
  if (!isPlainObject(filter)) throw new StoreUsageError('a filter must be a plain object');
  const clauses: Clause[] = [];
  for (const [path, condition] of Object.entries(filter)) {
    if (path.startsWith('$')) {
      throw new StoreUsageError(`top-level operator ${path} is not part of the store's filter language`);
    }
    assertFieldPath(path);
    if (!isCondition(condition)) {
      assertJsonValue(path, condition);
      clauses.push({ path, op: '$eq', value: condition });
      continue;
    }
    assertOneRangeType(path, condition);
    for (const [op, value] of Object.entries(condition)) {
      if (!(OPERATORS as readonly string[]).includes(op)) {
        throw new StoreUsageError(`${path}: operator ${op} is not part of the store's filter language`);
      }
      switch (op as Operator) {
        case '$in':
          if (!Array.isArray(value)) throw new StoreUsageError(`${path}: $in takes an array`);
          value.forEach((v) => assertJsonValue(path, v));
          break;
        case '$gt':
        case '$gte':
        case '$lt':
        case '$lte':
          assertComparable(path, op, value);
          break;
        case '$exists':
          if (typeof value !== 'boolean') throw new StoreUsageError(`${path}: $exists takes a boolean`);
          break;
        default:
          assertJsonValue(path, value);
      }
      clauses.push({ path, op: op as Operator, value });
    }
  }
  return clauses;
}

/** The sort keys in order, ending with `_id` (ascending unless the caller sorted on it). */
export function normalizeSort(sort: Sort = {}): SortKey[] {
  if (!isPlainObject(sort)) throw new StoreUsageError('a sort must be a plain object');
  const keys: SortKey[] = [];
  for (const [path, dir] of Object.entries(sort)) {
    assertFieldPath(path);
    if (dir !== 1 && dir !== -1) throw new StoreUsageError(`${path}: sort direction must be 1 or -1`);
    keys.push({ path, dir });
    // `_id` is unique, so keys after it could never matter.
    if (path === '_id') return keys;
  }
  keys.push({ path: '_id', dir: 1 });
  return keys;
}

/** The page size to use: default 100, capped at 1000. */
export function normalizeLimit(opts: FindOptions = {}): number {
  const limit = opts.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new StoreUsageError(`limit must be a positive integer, got ${String(limit)}`);
  }
  return Math.min(limit, MAX_PAGE_SIZE);
}

/** Refuses a document the store cannot hold: it must be a plain object with a non-empty string `_id`. */
export function assertStorable(collection: string, doc: unknown): void {
  if (!isPlainObject(doc)) throw new StoreUsageError(`${collection}: a document must be a plain object`);
  if (typeof doc['_id'] !== 'string' || doc['_id'].length === 0) {
    throw new StoreUsageError(`${collection}: a document needs a non-empty string _id`);
  }
}

export function assertVersion(expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new StoreUsageError(
      `expectedVersion must be a non-negative integer, got ${String(expectedVersion)}`,
    );
  }
}

export function assertIncrement(field: string, by: number): void {
  assertFieldPath(field);
  if (field === '_id') throw new StoreUsageError('cannot increment _id');
  if (typeof by !== 'number' || !Number.isFinite(by)) {
    throw new StoreUsageError(`${field}: increment takes a finite number`);
  }
}

/**
 * Why a guarded increment wrote nothing, from the document as it is now (`null`: missing or
 * expired): StoreNotFoundError, StoreUsageError for a field holding something other than a number,
 * else StoreCapExceededError. Shared by both adapters, which run the increment and its guard as one
 * atomic write and only read the document back when that write matched nothing.
 */
export function failedIncrementError(
  collection: string,
  id: string,
  field: string,
  by: number,
  current: Doc | null,
): StoreNotFoundError | StoreUsageError | StoreCapExceededError {
  if (current === null) return new StoreNotFoundError(collection, id);
  const value = readPath(current, field);
  if (value !== undefined && typeof value !== 'number') {
    return new StoreUsageError(`${collection}/${id}: cannot increment ${field}, it holds a ${typeof value}`);
  }
  return new StoreCapExceededError(collection, id, field, value ?? 0, by);
}
