/**
 * Equality of plain data as its JSON would tell it: the same primitives, arrays of equal items,
 * objects with equal values under the same keys, in any order; an `undefined` property is the same
 * as a missing one. Identical objects are equal without a look inside. For what the rules build
 * (facts, nodes, tasks) and what a store reads back.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  return sameJsonApart(a, b, NONE_APART);
}

const NONE_APART: ReadonlySet<string> = new Set();

/**
 * `sameJson` of two objects, where the keys in `apart` count by presence alone: compared elsewhere,
 * or positions, which a plan's store keeps apart. An identical value is tried first: a node moved by
 * an edit is a copy sharing every value but its positions with the one it replaces, and a re-plan of
 * a 500k-word blueprint compares ~10k of them, mostly unoptimised, where a call per key counted.
 */
export function sameJsonApart(a: object, b: object, apart: ReadonlySet<string>): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const key in x) {
    const value = x[key];
    if (value === undefined) continue;
    defined += 1;
    const other = y[key];
    if (value === other) continue;
    if (apart.has(key) ? other === undefined : !sameJson(value, other)) return false;
  }
  for (const key in y) if (y[key] !== undefined) defined -= 1;
  return defined === 0;
}
