import { createHash } from 'node:crypto';
import { seededRandom } from '@autopilot/testing';
import { parseBlueprint, type ParsedBlueprint } from '../blueprint/blueprint-parse';
import { FENCE, LINKED_PLAN_MARKDOWN } from '../../testing/edited-markdown';
import type { TreeMemo } from './section-tree';
import {
  restoreTreeMemo,
  STORED_BLOCKS_FORMAT,
  sectionIdsOf,
  storedBlocksBytesBound,
  storedBlocksOf,
  type StoredBlocks,
} from './stored-blocks';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

function parse(text: string, previous?: TreeMemo): ParsedBlueprint | undefined {
  try {
    return parseBlueprint(text, { hash, scope: 'bp', ...(previous ? { previous } : {}) });
  } catch {
    return undefined; // rejected (empty, headings only) or an offset error: not a version
  }
}

/** Through JSON, as a store keeps it. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The memo of `parsed` as a process that did not parse it rebuilds it from the store. */
function restored(parsed: ParsedBlueprint): TreeMemo | undefined {
  const blocks = storedBlocksOf(parsed.memo!);
  if (!blocks) throw new Error('a one-file parse stores its blocks');
  return restoreTreeMemo(parsed.text, stored(parsed.sections), stored(blocks));
}

const SNIPPETS = [
  '# H\n',
  '## Sub\n',
  '### Story 1.1\n',
  '## Story `1.2` *now*\n',
  '#\n',
  'Setext\n---\n',
  'text\n',
  `${FENCE}\n`,
  '\n',
  '> # q\n',
  '[spec]: /moved "T"\n',
  '## See [spec]\n',
  '### Story 2.1\n',
  'word',
];

describe('a parse memo rebuilt from what a version stores', () => {
  it('is the memo the parse left, and the next version parses the same from it, over 400 seeded random edits', () => {
    const random = seededRandom(9173);
    let text = LINKED_PLAN_MARKDOWN;
    let parsed = parse(text)!;
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const at = Math.floor(random() * (text.length + 1));
      const cut = random() < 0.3 ? Math.min(text.length, at + 1 + Math.floor(random() * 20)) : at;
      const next = text.slice(0, at) + SNIPPETS[Math.floor(random() * SNIPPETS.length)]! + text.slice(cut);
      const memo = restored(parsed);
      expect(memo).toEqual(parsed.memo);
      const whole = parse(next);
      if (!whole) continue;
      expect(parse(next, memo)).toEqual(parse(next, parsed.memo));
      expect(parse(next, memo)).toEqual(whole);
      parsed = whole;
      text = whole.text;
      compared += 1;
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('stores the raw text of only the headings whose title is not it', () => {
    const parsed = parse('# Plain\n\nText.\n\n## With `code`\n\n## \n\nMore.\n')!;
    const blocks = storedBlocksOf(parsed.memo!)!;
    expect(blocks.rawAt).toEqual([1, 2]);
    expect(blocks.rawTexts).toEqual(['With `code`', '']);
    expect(parsed.sections.map((s) => s.title)).toEqual(['Plain', 'With code', '(untitled)']);
    expect(restored(parsed)).toEqual(parsed.memo);
  });

  it('keys the ids of same-titled sections under parents sharing an id as the parse does', () => {
    // Both `## B` have the heading path A > B and ordinal 0: one id, yet their children count apart.
    const parsed = parse('Intro.\n\n# A\n\n## B\n\n### C\n\nx\n\n# A\n\n## B\n\n### C\n\n### C\n\ny\n')!;
    const ids = parsed.sections.map((s) => s.id);
    expect(new Set(ids).size).toBeLessThan(ids.length);
    expect(sectionIdsOf(parsed.memo!.sections)).toEqual(parsed.memo!.ids);
    expect(restored(parsed)).toEqual(parsed.memo);
  });

  it('is not rebuilt from a record of another layout or of other sections', () => {
    const parsed = parse(LINKED_PLAN_MARKDOWN)!;
    const blocks = storedBlocksOf(parsed.memo!)!;
    // A record of the layout before this one (front matter read as a heading then).
    const other = { ...blocks, format: STORED_BLOCKS_FORMAT - 1 } as unknown as StoredBlocks;
    expect(restoreTreeMemo(parsed.text, parsed.sections, other)).toBeUndefined();
    expect(restoreTreeMemo(parsed.text, parsed.sections.slice(1), blocks)).toBeUndefined();
    expect(restoreTreeMemo(parsed.text.slice(0, 10), parsed.sections, blocks)).toBeUndefined();
    const files = parsed.sections.map((s) => ({ ...s, file: 'a.md' }));
    expect(restoreTreeMemo(parsed.text, files, blocks)).toBeUndefined();
  });

  it('bounds its size above what it takes as JSON', () => {
    const parsed = parse(`${LINKED_PLAN_MARKDOWN}\n## "Quoted" \`\u0002\` [spec]\n\nBody.\n`)!;
    const blocks = storedBlocksOf(parsed.memo!)!;
    expect(storedBlocksBytesBound(blocks)).toBeGreaterThan(Buffer.byteLength(JSON.stringify(blocks)));
  });
});
