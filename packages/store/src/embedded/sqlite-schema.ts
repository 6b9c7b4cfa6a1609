import type { CollectionSpec, IndexSpec } from '../document-store';

/**
 * Naming of tables, generated columns and indexes. Identifiers cannot be bound as parameters, so
 * they are built from collection names and field paths that `query.ts` has already restricted to
 * `[A-Za-z0-9_-]` segments: no quote can reach the SQL text.
 */

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function tableName(collection: string): string {
  return quoteIdent(`c:${collection}`);
}

/** The generated column that mirrors `path` for indexing. */
export function fieldColumn(path: string): string {
  return quoteIdent(`f:${path}`);
}

/** `$."a"."b"`: the SQLite JSON path of a dot path. */
export function jsonPath(path: string): string {
  return `$.${path
    .split('.')
    .map((segment) => `"${segment}"`)
    .join('.')}`;
}

export function indexName(collection: string, index: IndexSpec): string {
  const fields = Object.entries(index.fields)
    .map(([path, dir]) => `${path}_${dir}`)
    .join(',');
  return quoteIdent(`ix:${collection}:${fields}${index.unique ? ':unique' : ''}`);
}

/** Every path that needs a generated column: declared index fields and the expiry field. */
export function indexedPaths(spec: CollectionSpec): string[] {
  const paths = new Set<string>();
  for (const index of spec.indexes ?? []) {
    for (const path of Object.keys(index.fields)) if (path !== '_id') paths.add(path);
  }
  if (spec.expiresAtField) paths.add(spec.expiresAtField);
  return [...paths];
}

export function createTableSql(collection: string): string {
  return `CREATE TABLE IF NOT EXISTS ${tableName(collection)} (_id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)`;
}

export function addFieldColumnSql(collection: string, path: string): string {
  // A JSON path literal is required here: generated column expressions cannot take parameters.
  return `ALTER TABLE ${tableName(collection)} ADD COLUMN ${fieldColumn(path)} GENERATED ALWAYS AS (json_extract(doc, '${jsonPath(path)}')) VIRTUAL`;
}

export function createIndexSql(collection: string, index: IndexSpec): string {
  const columns = Object.entries(index.fields)
    .map(([path, dir]) => `${path === '_id' ? '_id' : fieldColumn(path)} ${dir === -1 ? 'DESC' : 'ASC'}`)
    .join(', ');
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${indexName(collection, index)} ON ${tableName(collection)} (${columns})`;
}

/** The JSON-type test the array index is partial on; query and index must spell it the same. */
function isArraySql(path: string): string {
  return `json_type(doc, '${jsonPath(path)}') = 'array'`;
}

/**
 * A partial index of the documents holding an array at an indexed path: empty while none does, so
 * it costs a type test per write, and it tells at open whether equality on the path must look
 * inside arrays (sql-filter.ts) without scanning the table.
 */
export function createArrayIndexSql(collection: string, path: string): string {
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(`ax:${collection}:${path}`)} ON ${tableName(collection)} (_id) WHERE ${isArraySql(path)}`;
}

/** A row when some document of the collection holds an array at `path`; searches the array index. */
export function holdsArraySql(collection: string, path: string): string {
  return `SELECT 1 FROM ${tableName(collection)} WHERE ${isArraySql(path)} LIMIT 1`;
}
