/**
 * Named parameters for one statement. Every value reaches SQLite through here, never through the
 * SQL text; the text depends only on the query's shape, so prepared statements can be cached.
 */
export class SqlParams {
  readonly values: Record<string, unknown> = {};
  private next = 0;

  /** Binds `value` and returns its placeholder. */
  bind(value: unknown): string {
    const name = `p${this.next++}`;
    this.values[name] = toSqlValue(value);
    return `@${name}`;
  }
}

/** JSON value → what better-sqlite3 can bind, matching what `json_extract` returns for it. */
export function toSqlValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  // json_extract yields 1/0 for true/false; binding the same keeps cursor comparisons consistent.
  if (typeof value === 'boolean') return value ? 1 : 0;
  // Integers bind as INTEGER so arithmetic (increment) keeps integers integral in the JSON text.
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'bigint') return value;
  return JSON.stringify(value);
}
