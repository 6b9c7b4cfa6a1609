import { seededRandom } from './seeded-random';

describe('seededRandom', () => {
  it('gives the same mulberry32 sequence for the same seed, so a failing seed replays', () => {
    const rand = seededRandom(1);
    // Pinned: randomized tests across the tree replay their recorded seeds only while this holds.
    expect([rand(), rand(), rand()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const again = seededRandom(1);
    expect([again(), again(), again()]).toEqual([
      0.6270739405881613, 0.002735721180215478, 0.5274470399599522,
    ]);
    expect(seededRandom(2 ** 32 + 1)()).toBe(0.6270739405881613);
  });

  it('stays in [0, 1) and differs between seeds', () => {
    const rand = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => rand());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(9_990);
    expect(seededRandom(3)()).not.toBe(seededRandom(4)());
  });
});
