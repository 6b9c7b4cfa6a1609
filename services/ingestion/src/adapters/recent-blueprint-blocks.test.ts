import type { TextBlocks } from '../domain/sections/section-blocks';
import { InMemoryRecentBlueprintBlocks } from './recent-blueprint-blocks';

const blocks = (text: string): TextBlocks => ({
  text,
  headings: [],
  contentBefore: 1,
  contentAfter: [],
  firstContent: 0,
  links: [],
});

describe('InMemoryRecentBlueprintBlocks', () => {
  it('keeps the last blueprints parsed, dropping the least recently parsed first', () => {
    const recent = new InMemoryRecentBlueprintBlocks(2);
    recent.set('a', blocks('a1'));
    recent.set('b', blocks('b1'));
    recent.set('a', blocks('a2')); // a is now the most recent
    recent.set('c', blocks('c1'));
    expect(recent.get('a')?.text).toBe('a2');
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('c')?.text).toBe('c1');
  });
});
