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
 *
 * The array rule needs an OR with a json_each, which no index can serve. So on an indexed field
 * that no document has ever held an array in (FieldFacts.arrays, kept by the store), equality is
 * the plain comparison on the generated column that its index searches; once a document writes an
 * array there, that field's equality takes the array-aware form for good.
 */

/** What the translation knows of a collection's fields. */
export interface FieldFacts {
  /** Paths with a generated column (and an index leading or containing it). */
  readonly indexed: ReadonlySet<string>;
  /** Indexed paths some document holds (or once held) an array in: equality must look inside. */
  readonly arrays: ReadonlySet<string>;
}

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

/**
 * Equality on a field that holds no array anywhere: the generated column compared first (so its
 * index can search), then the type. Objects and arrays compare by JSON text as in scalarEquals.
 * May be NULL when the field is missing; fine in a WHERE, wrapped in COALESCE where negated.
 */
function indexedEquals(field: FieldAccess, expected: unknown, params: SqlParams): string {
  const value = field.value(params);
  const type = field.type(params);
  if (expected === null) return `${value} IS NULL`;
  // json_extract turns true and false into 1 and 0; the type tells them from numbers.
  if (typeof expected === 'boolean') return `(${value} = ${expected ? 1 : 0} AND ${type} = '${expected}')`;
  if (typeof expected === 'number')
    return `(${value} = ${params.bind(expected)} AND ${type} IN ('integer', 'real'))`;
  if (typeof expected === 'string') return `(${value} = ${params.bind(expected)} AND ${type} = 'text')`;
  return `(${value} = ${params.bind(JSON.stringify(expected))} AND ${type} IN ('object', 'array'))`;
}

/** Whether equality on `path` may use the plain indexed comparison (no document holds an array there). */
function scalarOnly(path: string, facts: FieldFacts): boolean {
  return facts.indexed.has(path) && !facts.arrays.has(path);
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

/**
 * `$in` on a field that holds no array: the strings in one `IN` list and the numbers in another,
 * each an index search on the generated column; other values one equality each.
 */
function indexedIn(field: FieldAccess, options: readonly unknown[], params: SqlParams): string {
  const strings = options.filter((v): v is string => typeof v === 'string');
  const numbers = options.filter((v): v is number => typeof v === 'number');
  const value = field.value(params);
  const type = field.type(params);
  const terms: string[] = [];
  if (strings.length > 0)
    terms.push(`(${value} IN (${strings.map((v) => params.bind(v)).join(', ')}) AND ${type} = 'text')`);
  if (numbers.length > 0)
    terms.push(
      `(${value} IN (${numbers.map((v) => params.bind(v)).join(', ')}) AND ${type} IN ('integer', 'real'))`,
    );
  for (const v of options)
    if (typeof v !== 'string' && typeof v !== 'number') terms.push(indexedEquals(field, v, params));
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(' OR ')})`;
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

function clauseSql(clause: Clause, facts: FieldFacts, params: SqlParams): string {
  const field = fieldAccess(clause.path, facts.indexed);
  const scalar = scalarOnly(clause.path, facts);
  switch (clause.op) {
    case '$eq':
      return scalar ? indexedEquals(field, clause.value, params) : equals(field, clause.value, params);
    case '$ne':
      return scalar
        ? `NOT COALESCE(${indexedEquals(field, clause.value, params)}, 0)`
        : `NOT ${equals(field, clause.value, params)}`;
    case '$in': {
      const values = clause.value as unknown[];
      if (values.length === 0) return '0';
      if (clause.path === '_id') {
        const ids = values.filter((v): v is string => typeof v === 'string');
        return ids.length === 0 ? '0' : `_id IN (${ids.map((v) => params.bind(v)).join(', ')})`;
      }
      if (scalar) return indexedIn(field, values, params);
      return `(${values.map((v) => equals(field, v, params)).join(' OR ')})`;
    }
    case '$exists':
      if (clause.path === '_id') return clause.value ? '1' : '0';
      return exists(field, clause.value === true, params);
    default:
      return range(field, clause.op, clause.value, params);
  }
}

/** The WHERE condition for `clauses` (all must hold); `1` for none. */
export function whereSql(clauses: readonly Clause[], facts: FieldFacts, params: SqlParams): string {
  if (clauses.length === 0) return '1';
  return clauses.map((clause) => clauseSql(clause, facts, params)).join(' AND ');
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
