import { createHash } from 'node:crypto';
import { Lexer } from 'marked';
import { lexBlocks, relexBlocks, textEdit, type BlockLexer } from './section-blocks';
import { memoSection } from './memo-section';
import { sameStructureSections, type SameStructure } from './section-structure-reuse';
import { sectionsFromMarkdown, type Section, type TreeMemo } from './section-tree';
import { countWords } from './word-count';
import { LINKED_PLAN_MARKDOWN, PLAN_MARKDOWN, seededRandom } from '../../testing/edited-markdown';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const lex: BlockLexer = (source) => new Lexer().blockTokens(source, []);

/** The sections of `after` from those of `before` when its headings are the same, else undefined. */
function reused(before: string, after: string): Section[] | undefined {
  return reusedWithMemo(before, after)?.sections;
}

/** sameStructureSections of `after` after `before`, from `before`'s memo. */
function reusedWithMemo(before: string, after: string, previous = memoOf(before)): SameStructure | undefined {
  const edit = textEdit(before, after);
  const blocks = relexBlocks(previous.blocks, after, lex, edit) ?? lexBlocks(after, 0, after.length, lex);
  return sameStructureSections(previous, blocks, edit, (s) => {
    s.hash = hash(after.slice(s.start, s.bodyEnd));
    s.wordCount = countWords(after, s.start, s.bodyEnd);
  });
}

const whole = (text: string): Section[] => sectionsFromMarkdown(text, { hash, scope: 'bp' }).sections;
const memoOf = (text: string): TreeMemo => sectionsFromMarkdown(text, { hash, scope: 'bp' }).memo!;

describe('sameStructureSections (a new version whose headings are the last one’s)', () => {
  it('moves the sections of an edit in a body, in the preamble, at the very start and end', () => {
    for (const after of [
      PLAN_MARKDOWN.replace('Body of 2.1.', 'Body of 2.1, edited at length.'),
      PLAN_MARKDOWN.replace('Intro text', 'Intro'),
      `More intro. ${PLAN_MARKDOWN}`,
      `${PLAN_MARKDOWN}Trailing words.\n`,
      PLAN_MARKDOWN.replace('Overview paragraph.\n', ''),
    ]) {
      expect(reused(PLAN_MARKDOWN, after)).toEqual(whole(after));
    }
  });

  it('gives way to a whole build when a heading, its level, a preamble or a link definition changed', () => {
    for (const after of [
      PLAN_MARKDOWN.replace('### Story 1.2', '### Story 1.2: renamed'),
      PLAN_MARKDOWN.replace('### Story 1.2', '#### Story 1.2'),
      PLAN_MARKDOWN.replace('## Phase 2', '### Story 1.3\n\nNew.\n\n## Phase 2'),
      PLAN_MARKDOWN.replace('Intro text before any heading.\n', ''),
    ]) {
      expect(reused(PLAN_MARKDOWN, after)).toBeUndefined();
    }
    const linked = LINKED_PLAN_MARKDOWN.replace('https://example.com/shop', 'https://example.com/store');
    expect(reused(LINKED_PLAN_MARKDOWN, linked)).toBeUndefined();
  });

  it('equals a whole build after each of 300 seeded random edits that keep the headings', () => {
    const random = seededRandom(99);
    const snippets = ['word', ' ', '\n', '\n\n', 'x *y*', '- item\n', '`code`'];
    let text = LINKED_PLAN_MARKDOWN;
    let kept = 0;
    for (let i = 0; i < 300; i++) {
      const at = random(5) === 0 ? (random(2) === 0 ? 0 : text.length) : random(text.length + 1);
      const cut = random(3) === 0 ? Math.min(text.length, at + 1 + random(10)) : at;
      const next = text.slice(0, at) + snippets[random(snippets.length)]! + text.slice(cut);
      let expected: Section[];
      try {
        expected = whole(next);
      } catch {
        continue; // not a version (an offset error of the lexer's)
      }
      const sections = reused(text, next);
      if (sections) {
        expect(sections).toEqual(expected);
        kept += 1;
      }
      text = next;
    }
    expect(kept).toBeGreaterThan(100);
  });

  it('gives the memo sections of a whole build, field order included, keeping those the edit left in place (300 seeded edits)', () => {
    const random = seededRandom(7);
    const snippets = ['word', ' ', '\n', '\n\n', 'x *y*', '- item\n'];
    let text = LINKED_PLAN_MARKDOWN;
    let memo = memoOf(text);
    let kept = 0;
    let reusedSections = 0;
    for (let i = 0; i < 300; i++) {
      const at = random(5) === 0 ? (random(2) === 0 ? 0 : text.length) : random(text.length + 1);
      const cut = random(3) === 0 ? Math.min(text.length, at + 1 + random(10)) : at;
      const next = text.slice(0, at) + snippets[random(snippets.length)]! + text.slice(cut);
      let expected: TreeMemo;
      try {
        expected = memoOf(next);
      } catch {
        continue; // not a version (an offset error of the lexer's)
      }
      const same = reusedWithMemo(text, next, memo);
      if (same) {
        // JSON too: the memo sections are announced, and a reused one must keep memoSection's field order.
        expect(JSON.stringify(same.memo)).toEqual(JSON.stringify(expected.sections));
        expect(JSON.stringify(same.sections)).toEqual(JSON.stringify(whole(next)));
        expect(JSON.stringify(same.memo)).toEqual(JSON.stringify(same.sections.map(memoSection)));
        same.memo.forEach((m, k) => {
          const old = memo.sections[k]!;
          const unmoved = old.start === m.start && old.end === m.end && old.bodyEnd === m.bodyEnd;
          if (unmoved && old.hash === m.hash) {
            expect(m).toBe(old);
            reusedSections += 1;
          }
        });
        memo = { ...expected, sections: same.memo };
        kept += 1;
      } else memo = expected;
      text = next;
    }
    expect(kept).toBeGreaterThan(100);
    expect(reusedSections).toBeGreaterThan(kept);
  });
});
