import { InOrderLookup } from './in-order-lookup';

/** A seeded generator (the kernel's tests cannot use @autopilot/testing, which depends on it). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('InOrderLookup', () => {
  it('answers as a map of the ids does, whatever order they are asked in', () => {
    const next = seeded(7);
    for (let round = 0; round < 200; round++) {
      const items = Array.from({ length: 1 + Math.floor(next() * 40) }, (_, i) => ({ id: `s${i}` }));
      const byId = new Map(items.map((item, i) => [item.id, i] as const));
      const lookup = new InOrderLookup(items);
      // Mostly in order, with ids skipped, asked out of order, and unknown.
      const asked = items.flatMap((item) => (next() < 0.2 ? [] : [item.id]));
      for (let k = 0; k < 5; k++)
        asked.splice(Math.floor(next() * asked.length), 0, `s${Math.floor(next() * 60)}`);
      for (const id of asked) expect(lookup.indexOf(id)).toBe(byId.get(id));
    }
  });
});
