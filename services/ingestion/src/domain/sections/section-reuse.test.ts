import { createHash } from 'node:crypto';
import { parseBlueprint, type ParsedBlueprint } from '../blueprint/blueprint-parse';
import type { TreeMemo } from './section-tree';
import { FENCE, LINKED_PLAN_MARKDOWN, seededRandom } from '../../testing/edited-markdown';

/**
 * A chain of versions parsed each with the previous version's memo (itself from an incremental
 * parse) equals a whole parse, for replacements as well as insertions and removals, CRLF input,
 * edits at the very start and end, fences opened and closed, definitions added and removed.
 */
const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const SNIPPETS = [
  '# H\n',
  '## Sub\n',
  '### Story 1.1\n',
  'text\n',
  `${FENCE}\n`,
  '\n',
  '---\n',
  '> # q\n',
  '#',
  '[spec]: /moved\n',
  '[shop]: /s2\n',
  '## See [spec]\n',
  '\r\n',
  'word',
  ' ',
];

function parse(text: string, previous?: TreeMemo): ParsedBlueprint | undefined {
  try {
    return parseBlueprint(text, { hash, scope: 'bp', ...(previous ? { previous } : {}) });
  } catch {
    return undefined; // rejected (empty, headings only) or an offset error: not a version
  }
}

describe('incremental parses chained over many versions (reused hashes, word counts and ids)', () => {
  it('equal a whole parse after each of 400 random edits', () => {
    const random = seededRandom(4242);
    let text = LINKED_PLAN_MARKDOWN;
    let memo = parse(text)!.memo!;
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const kind = random(5);
      const at = kind === 3 ? 0 : kind === 4 ? text.length : random(text.length + 1);
      const cut = random(3) === 0 ? Math.min(text.length, at + 1 + random(15)) : at;
      const next = text.slice(0, at) + SNIPPETS[random(SNIPPETS.length)]! + text.slice(cut);
      const incremental = parse(next, memo);
      const whole = parse(next);
      if (!whole) continue;
      expect(incremental).toBeDefined();
      // The memo too: the next version's parse reuses its blocks, sections and ids.
      expect(incremental).toEqual(whole);
      memo = incremental!.memo!;
      text = whole.text; // normalized (CRLF gone), as the memo's text is
      compared += 1;
    }
    expect(compared).toBeGreaterThan(200);
  });
});
