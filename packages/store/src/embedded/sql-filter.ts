import type { Clause, SortKey } from '../query';
import { fieldColumn, jsonPath } from './sqlite-schema';
import type { SqlParams } from './sql-params';

/**
 * Translation of the port's filter language to SQL over the `doc` JSON column, with MongoDB's
 * semantics where SQLite's differ:
 * - type bracketing: `json_extract` turns true into 1 and objects into text, so every comparison
 *   also checks `json_type` (a range on numbers never matches strings, booleans or objects);
 * - `{f: null}` matches a missing field or a JSON null; `$ne` matches documents missing the field;
 * - equality and `$in` also match an array field holding the value as an element.
 * Values are always bound parameters; only identifiers from validated paths reach the text.
 */

/** How one field is read: a generated column when the field is indexed, json_extract otherwise. */
export interface FieldAccess {
  /** SQL expression of the field's value (NULL when missing or JSON null). */
  value(params: SqlParams): string;
  /** SQL expression of the field's JSON type name (NULL when missing). */
  type(params: SqlParams): string;
  /** SQL expression naming the JSON path (for json_each), or null for `_id`. */
  path(params: SqlParams): string | null;
  /** Whether `value` is an indexed generated column, which SQLite can search with an index. */
  readonly indexed: boolean;
}

export function fieldAccess(path: string, indexed: ReadonlySet<string>): FieldAccess {
  if (path === '_id') {
    return { value: () => '_id', type: () => `'text'`, path: () => null, indexed: true };
  }
  const isIndexed = indexed.has(path);
  return {
    value: (params) => (isIndexed ? fieldColumn(path) : `json_extract(doc, ${params.bind(jsonPath(path))})`),
    type: (params) => `json_type(doc, ${params.bind(jsonPath(path))})`,
    path: (params) => params.bind(jsonPath(path)),
    indexed: isIndexed,
  };
}

/** A condition that `value` (of JSON type `type`) equals `expected`; may be NULL when the field is missing. */
function scalarEquals(type: string, value: string, expected: unknown, params: SqlParams): string {
  // `value` is NULL exactly when the field is missing or JSON null (json_extract maps both to NULL).
  if (expected === null) return `${value} IS NULL`;
  if (typeof expected === 'boolean') return `${type} IS ${expected ? `'true'` : `'false'`}`;
  if (typeof expected === 'number')
    return `(${type} IN ('integer', 'real') AND ${value} = ${params.bind(expected)})`;
  if (typeof expected === 'string') return `(${type} = 'text' AND ${value} = ${params.bind(expected)})`;
  // Objects and arrays compare by their JSON text, as MongoDB compares them field by field in order.
  return `(${type} IN ('object', 'array') AND ${value} = ${params.bind(JSON.stringify(expected))})`;
}

/** Equality with MongoDB's array rule; never NULL, so it can be negated for `$ne`. */
function equals(field: FieldAccess, expected: unknown, params: SqlParams): string {
  const path = field.path(params);
  if (path === null) return typeof expected === 'string' ? `_id = ${params.bind(expected)}` : '0';
  const direct = scalarEquals(field.type(params), field.value(params), expected, params);
  const element = scalarEquals('je.type', 'je.value', expected, params);
  const inArray = `(${field.type(params)} = 'array' AND EXISTS (SELECT 1 FROM json_each(doc, ${path}) AS je WHERE ${element}))`;
  return `COALESCE(${direct} OR ${inArray}, 0)`;
}

const RANGE_SQL = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

/**
 * A range: the comparison comes first as its own AND term, so SQLite can search an index on the
 * generated column, and the type check filters what the index found. Never negated, so no COALESCE
 * (NULL excludes the row in WHERE, as false does).
 */
function range(field: FieldAccess, op: keyof typeof RANGE_SQL, bound: unknown, params: SqlParams): string {
  const types = typeof bound === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
  return `(${field.value(params)} ${RANGE_SQL[op]} ${params.bind(bound)} AND ${field.type(params)} ${types})`;
}

/**
 * `$exists`. On an indexed field the generated column is tested first (NULL for missing and for
 * JSON null), so the outbox's "not published yet" can be an index search instead of a table scan;
 * the JSON type then tells a stored null (present) from a missing field.
 */
function exists(field: FieldAccess, present: boolean, params: SqlParams): string {
  const type = field.type(params);
  if (!field.indexed) return `${type} ${present ? 'IS NOT NULL' : 'IS NULL'}`;
  const value = field.value(params);
  return present ? `(${value} IS NOT NULL OR ${type} IS NOT NULL)` : `(${value} IS NULL AND ${type} IS NULL)`;
}

function clauseSql(clause: Clause, indexed: ReadonlySet<string>, params: SqlParams): string {
  const field = fieldAccess(clause.path, indexed);
  switch (clause.op) {
    case '$eq':
      return equals(field, clause.value, params);
    case '$ne':
      return `NOT ${equals(field, clause.value, params)}`;
    case '$in': {
      const options = (clause.value as unknown[]).map((v) => equals(field, v, params));
      return options.length === 0 ? '0' : `(${options.join(' OR ')})`;
    }
    case '$exists':
      if (clause.path === '_id') return clause.value ? '1' : '0';
      return exists(field, clause.value === true, params);
    default:
      return range(field, clause.op, clause.value, params);
  }
}

/** The WHERE condition for `clauses` (all must hold); `1` for none. */
export function whereSql(
  clauses: readonly Clause[],
  indexed: ReadonlySet<string>,
  params: SqlParams,
): string {
  if (clauses.length === 0) return '1';
  return clauses.map((clause) => clauseSql(clause, indexed, params)).join(' AND ');
}

/**
 * Sort-key expressions. The same expressions feed ORDER BY, the SELECT list (to build the next
 * cursor from what SQLite compared, not from a JS re-reading) and the keyset condition, so the
 * three always agree on order, including NULL for a missing field (first ascending, last descending,
 * as in MongoDB).
 */
export function sortExpressions(
  keys: readonly SortKey[],
  indexed: ReadonlySet<string>,
  params: SqlParams,
): string[] {
  return keys.map((key) => fieldAccess(key.path, indexed).value(params));
}

export function orderBySql(keys: readonly SortKey[], expressions: readonly string[]): string {
  return keys.map((key, i) => `${expressions[i]} ${key.dir === 1 ? 'ASC' : 'DESC'}`).join(', ');
}

/**
 * Keyset continuation: rows strictly after `values` in the sort order. For keys k1..kn:
 * (k1 after v1) OR (k1 = v1 AND k2 after v2) OR ... ; `IS` makes equality hold for NULLs.
 */
export function afterSql(
  keys: readonly SortKey[],
  expressions: readonly string[],
  values: readonly unknown[],
  params: SqlParams,
): string {
  const branches: string[] = [];
  const equalSoFar: string[] = [];
  keys.forEach((key, i) => {
    const expr = expressions[i] as string;
    const value = values[i] ?? null;
    let after: string | null;
    if (key.dir === 1) after = value === null ? `${expr} IS NOT NULL` : `${expr} > ${params.bind(value)}`;
    // Descending, NULL sorts last: nothing follows NULL, and NULL follows every value.
    else after = value === null ? null : `(${expr} < ${params.bind(value)} OR ${expr} IS NULL)`;
    if (after !== null) branches.push(`(${[...equalSoFar, after].join(' AND ')})`);
    equalSoFar.push(`${expr} IS ${params.bind(value)}`);
  });
  return branches.length === 0 ? '0' : `(${branches.join(' OR ')})`;
}
