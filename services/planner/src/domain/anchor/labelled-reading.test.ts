import { seededRandom } from '@autopilot/testing';
import { commonPrefix, commonSuffix } from './labelled-reading';

function naivePrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function naiveSuffix(a: string, b: string, prefix: number): number {
  let i = 0;
  const n = Math.min(a.length, b.length) - prefix;
  while (i < n && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

describe('commonPrefix and commonSuffix', () => {
  it('measure what two texts share at each end, however long, never overlapping', () => {
    const rand = seededRandom(7);
    const base = Array.from({ length: 200_000 }, () => 'ab\n'[Math.floor(rand() * 3)]).join('');
    for (let n = 0; n < 24; n++) {
      const at = Math.floor(rand() * base.length);
      const cut = Math.floor(rand() * (n % 4 === 0 ? 150_000 : 50));
      const insert = base.slice(at, at + Math.floor(rand() * 70_000));
      const edited = base.slice(0, at) + insert + base.slice(at + cut);
      const prefix = commonPrefix(base, edited);
      expect({ n, prefix }).toEqual({ n, prefix: naivePrefix(base, edited) });
      expect({ n, suffix: commonSuffix(base, edited, prefix) }).toEqual({
        n,
        suffix: naiveSuffix(base, edited, prefix),
      });
    }
    expect(commonPrefix(base, base)).toBe(base.length);
    expect(commonSuffix(base, base, base.length)).toBe(0);
    expect(commonPrefix('', base)).toBe(0);
    expect(commonSuffix(`x${base}`, base, 0)).toBe(base.length);
  });
});
