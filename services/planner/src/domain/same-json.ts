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
 * or positions, which a plan's store keeps apart.
 */
export function sameJsonApart(a: object, b: object, apart: ReadonlySet<string>): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    defined += 1;
    if (apart.has(key) ? y[key] === undefined : !sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) defined -= 1;
  return defined === 0;
}
