import { memoSection } from './memo-section';
import type { Section } from './section-tree';

describe('memoSection', () => {
  it('keeps a section’s own fields in one order, the optional ones last, with or without them', () => {
    const section: Section = {
      id: 'sec_b',
      level: 2,
      title: 'B',
      headingPath: ['A', 'B'],
      start: 10,
      end: 30,
      bodyEnd: 20,
      hash: 'h',
      wordCount: 3,
      kind: 'heading',
    };
    const own = ['id', 'level', 'title', 'start', 'end', 'bodyEnd', 'hash', 'wordCount', 'kind'];
    const variants: [Partial<Section>, string[]][] = [
      [{}, own],
      [{ parentId: 'sec_a' }, [...own, 'parentId']],
      [{ file: 'b.md' }, [...own, 'file']],
      [{ parentId: 'sec_a', file: 'b.md' }, [...own, 'parentId', 'file']],
    ];
    for (const [extra, keys] of variants) {
      const memo = memoSection({ ...section, ...extra });
      expect(Object.keys(memo)).toEqual(keys);
      for (const key of keys)
        expect(memo[key as keyof typeof memo]).toEqual({ ...section, ...extra }[key as keyof Section]);
    }
  });
});
