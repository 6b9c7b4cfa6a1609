/**
 * A seeded pseudo-random source for randomized (property) tests: the same seed gives the same
 * sequence on every run and machine, so a failing case names its seed and replays exactly, which
 * `Math.random()` cannot. mulberry32: 32 bits of state, uniform enough for test inputs; not for
 * anything secret.
 *
 *   const rand = seededRandom(seed);
 *   const roll = 1 + Math.floor(rand() * 6);
 *
 * @param seed any number; only its low 32 bits count.
 * @returns a function giving the next number of the sequence, in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
