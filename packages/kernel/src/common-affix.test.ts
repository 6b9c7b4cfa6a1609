import { commonPrefixLength, commonSuffixLength } from './common-affix';

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

/** A seeded generator (the kernel's tests cannot use @autopilot/testing, which depends on it). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('commonPrefixLength and commonSuffixLength', () => {
  it('measure what two texts share at each end, however long, never overlapping', () => {
    const rand = seeded(7);
    const base = Array.from({ length: 200_000 }, () => 'ab\n'[Math.floor(rand() * 3)]).join('');
    for (let n = 0; n < 24; n++) {
      const at = Math.floor(rand() * base.length);
      const cut = Math.floor(rand() * (n % 4 === 0 ? 150_000 : 50));
      const insert = base.slice(at, at + Math.floor(rand() * 70_000));
      const edited = base.slice(0, at) + insert + base.slice(at + cut);
      const prefix = commonPrefixLength(base, edited);
      expect({ n, prefix }).toEqual({ n, prefix: naivePrefix(base, edited) });
      expect({ n, suffix: commonSuffixLength(base, edited, prefix) }).toEqual({
        n,
        suffix: naiveSuffix(base, edited, prefix),
      });
    }
    expect(commonPrefixLength(base, base)).toBe(base.length);
    expect(commonSuffixLength(base, base, base.length)).toBe(0);
    expect(commonPrefixLength('', base)).toBe(0);
    expect(commonSuffixLength(`x${base}`, base)).toBe(base.length);
  });

  it('finds a difference at every block boundary', () => {
    const base = 'x'.repeat(140_000);
    for (const at of [0, 1, 4095, 4096, 65_535, 65_536, 65_537, 139_999]) {
      const other = `${base.slice(0, at)}y${base.slice(at + 1)}`;
      expect({ at, prefix: commonPrefixLength(base, other) }).toEqual({ at, prefix: at });
      expect({ at, suffix: commonSuffixLength(base, other) }).toEqual({ at, suffix: base.length - 1 - at });
    }
  });
});
