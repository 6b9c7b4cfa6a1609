import type { Document } from 'mongodb';
import type { Clause, SortKey } from '../query';

/**
 * The port's filter language is a subset of MongoDB's, so clauses map one to one onto native
 * operators; validation (query.ts) happens first so both adapters refuse the same inputs.
 */
export function mongoFilter(clauses: readonly Clause[]): Document[] {
  return clauses.map((clause) => ({ [clause.path]: { [clause.op]: clause.value } }));
}

/** Lease documents at or past their expiry instant are invisible: `$not $lte` also keeps docs without one. */
export function notExpired(field: string | undefined, now: number): Document[] {
  return field === undefined ? [] : [{ [field]: { $not: { $lte: now } } }];
}

/** `{$and: parts}`, or `{}` for no parts. */
export function allOf(parts: readonly Document[]): Document {
  return parts.length === 0 ? {} : parts.length === 1 ? (parts[0] as Document) : { $and: [...parts] };
}

/**
 * Keyset continuation, the same rule as the SQLite adapter: after `values` in the sort order, where
 * null or missing sorts first ascending and last descending (MongoDB's order).
 */
export function afterFilter(keys: readonly SortKey[], values: readonly unknown[]): Document {
  const branches: Document[] = [];
  const equalSoFar: Document[] = [];
  keys.forEach((key, i) => {
    const value = values[i] ?? null;
    let after: Document | null;
    if (key.dir === 1)
      after = value === null ? { [key.path]: { $ne: null } } : { [key.path]: { $gt: value } };
    else after = value === null ? null : { $or: [{ [key.path]: { $lt: value } }, { [key.path]: null }] };
    if (after !== null) branches.push(allOf([...equalSoFar, after]));
    equalSoFar.push({ [key.path]: value });
  });
  // Nothing follows: a condition no document meets.
  return branches.length === 0 ? { _id: { $exists: false } } : { $or: branches };
}

export function mongoSort(keys: readonly SortKey[]): Array<[string, 1 | -1]> {
  return keys.map((key) => [key.path, key.dir]);
}
