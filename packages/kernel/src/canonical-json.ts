import { AutopilotError } from './errors';

/** A value that has no canonical JSON form: a non-finite number, a function, a cycle. */
export class NotCanonicalError extends AutopilotError {
  readonly code = 'NOT_CANONICAL_JSON';
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace, so equal values give equal
 * text whatever order their keys were built in. Array order is kept: argv order is meaning.
 * `undefined` object fields are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown, where = '$', seen: Set<object> = new Set()): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NotCanonicalError(where, `${value} is not a finite number`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw new NotCanonicalError(where, `a ${typeof value} has no JSON form`);
  if (seen.has(value)) throw new NotCanonicalError(where, 'a cycle');
  seen.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((v, i) => (v === undefined ? 'null' : canonicalJson(v, `${where}[${i}]`, seen))).join(',')}]`;
  } else {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${where}.${k}`, seen)}`).join(',')}}`;
  }
  seen.delete(value);
  return text;
}
