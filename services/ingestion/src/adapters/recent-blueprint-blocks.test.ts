import type { RecentParse } from '../app/ports';
import { InMemoryRecentBlueprintBlocks } from './recent-blueprint-blocks';

const parse = (text: string): RecentParse => ({
  digest: text,
  memo: {
    blocks: { text, headings: [], contentBefore: 1, contentAfter: [], firstContent: 0, links: [] },
    sections: [],
    ids: new Map(),
  },
});

describe('InMemoryRecentBlueprintBlocks', () => {
  it('keeps the last blueprints parsed, dropping the least recently parsed first', () => {
    const recent = new InMemoryRecentBlueprintBlocks(2);
    recent.set('a', parse('a1'));
    recent.set('b', parse('b1'));
    recent.set('a', parse('a2')); // a is now the most recent
    recent.set('c', parse('c1'));
    expect(recent.get('a')?.memo.blocks.text).toBe('a2');
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('c')?.memo.blocks.text).toBe('c1');
  });
});
