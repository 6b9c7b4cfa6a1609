/**
 * A seeded generator of numbers in [0, 1), so a randomized test's failure repeats. The contracts'
 * own: `@autopilot/testing` (which has one too) depends on the contracts.
 */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}
