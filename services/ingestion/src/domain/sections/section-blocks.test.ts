import { createHash } from 'node:crypto';
import { Lexer } from 'marked';
import {
  BlockOffsetMismatch,
  frontMatterEnd,
  lexBlocks,
  relexBlocks,
  textEdit,
  type BlockLexer,
} from './section-blocks';
import { sectionsFromMarkdown } from './section-tree';
import {
  FENCE,
  LINKED_PLAN_MARKDOWN as LINKED,
  PLAN_MARKDOWN as BASE,
  seededRandom,
} from '../../testing/edited-markdown';

const lex: BlockLexer = (source) => new Lexer().blockTokens(source, []);
const full = (text: string) => lexBlocks(text, 0, text.length, lex);
const hash = (s: string) => createHash('sha256').update(s).digest('hex');

function lexesWhole(text: string): boolean {
  try {
    full(text);
    return true;
  } catch (err) {
    if (err instanceof BlockOffsetMismatch) return false;
    throw err;
  }
}

/** Every edit gives what a whole lex gives; returns whether earlier blocks were reused. */
function expectSameAsFullLex(before: string, after: string): boolean {
  return sameAsFullLex(before, after).reused;
}

/** As expectSameAsFullLex; also the titles of the sections of `after`. */
function sameAsFullLex(before: string, after: string): { reused: boolean; titles: string[] } {
  const relexed = relexBlocks(full(before), after, lex);
  if (relexed !== undefined) expect(relexed).toEqual(full(after));
  const previous = sectionsFromMarkdown(before, { hash, scope: 'bp' }).memo!;
  const incremental = sectionsFromMarkdown(after, { hash, scope: 'bp', previous });
  expect(incremental).toEqual(sectionsFromMarkdown(after, { hash, scope: 'bp' }));
  return { reused: relexed !== undefined, titles: incremental.sections.map((x) => x.title) };
}

/**
 * `count` seeded random edits (the same edits every run) from `start`, each compared with a whole
 * lex; how many reused the earlier blocks.
 */
function randomEdits(start: string, snippets: readonly string[], count: number): number {
  const random = seededRandom(17);
  let text = start;
  let reused = 0;
  for (let i = 0; i < count; i++) {
    const at = random(text.length + 1);
    const next =
      random(3) === 0
        ? text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + random(20)))
        : text.slice(0, at) + snippets[random(snippets.length)]! + text.slice(at);
    // marked rewrites some tokens' raw text (a list item's trailing space): the whole lex then
    // fails with an offset error, which ingestion reports; such a text is not a version to compare.
    if (!lexesWhole(next)) continue;
    if (expectSameAsFullLex(text, next)) reused += 1;
    text = next;
  }
  return reused;
}

const SNIPPETS = ['# H\n', '## Sub\n', 'text\n', `${FENCE}\n`, '\n', '- [ ] item\n', '---\n', '> # q\n', '#'];

describe('front matter', () => {
  const FRONT = '---\ntitle: Launch plan\nowner: ana\n---\n\n# Launch plan\n\n1. Create the repo\n';

  it('reads YAML front matter as one block of content before the first heading, not as a heading', () => {
    const blocks = full(FRONT);
    expect(blocks.headings.map((h) => [h.start, h.rawText])).toEqual([
      [FRONT.indexOf('# Launch'), 'Launch plan'],
    ]);
    expect([blocks.contentBefore, blocks.firstContent]).toEqual([1, 0]);
    const tree = sectionsFromMarkdown(FRONT, { hash, scope: 'bp' });
    expect(tree.sections.map((x) => [x.kind, x.title])).toEqual([
      ['preamble', 'Preamble'],
      ['heading', 'Launch plan'],
    ]);
  });

  it('reads it again the same after an edit in it or below it', () => {
    expect(expectSameAsFullLex(FRONT, FRONT.replace('owner: ana', 'owner: ben'))).toBe(true);
    expect(expectSameAsFullLex(FRONT, FRONT.replace('Create the repo', 'Create the repository'))).toBe(true);
    // No longer front matter (a blank line after the rule): read whole, the same as a whole lex.
    sameAsFullLex(FRONT, FRONT.replace('---\ntitle', '---\n\ntitle'));
  });

  it('is only a block that opens the file with key: value lines and closes', () => {
    expect(frontMatterEnd(FRONT, 0, FRONT.length)).toBe(FRONT.indexOf('\n# Launch'));
    for (const text of [
      '---\n\nSome text\n---\n# H\n', // a rule, then a setext heading
      '---\ntitle: never closed\n\n# H\n',
      '# H\n\n---\ntitle: x\n---\n',
    ])
      expect(frontMatterEnd(text, 0, text.length)).toBe(0);
    // A file of a directory blueprint starts where it starts.
    const two = `# A\n\n${FRONT}`;
    expect(frontMatterEnd(two, 5, two.length)).toBe(5 + FRONT.indexOf('\n# Launch'));
  });
});

describe('relexBlocks (issue 17: a new version lexes only what changed)', () => {
  it('reuses the blocks around an edit in a body, a heading, or an added or removed section', () => {
    expect(expectSameAsFullLex(BASE, BASE.replace('Body of 2.1.', 'Body of 2.1, edited.'))).toBe(true);
    expect(expectSameAsFullLex(BASE, BASE.replace('### Story 1.2', '### Story 1.2: renamed'))).toBe(true);
    expect(expectSameAsFullLex(BASE, BASE.replace('## Phase 2', '### Story 1.3\n\nNew.\n\n## Phase 2'))).toBe(
      true,
    );
    expect(expectSameAsFullLex(BASE, BASE.replace('### Story 1.2\n\n', ''))).toBe(true);
    // A same-titled sibling added before another: the later one's ordinal (and id) moves.
    expect(
      expectSameAsFullLex(
        BASE,
        BASE.replace('### Story 2.1\n\nBody', '### Story 2.1\n\nX.\n\n### Story 2.1\n\nBody'),
      ),
    ).toBe(true);
    expect(expectSameAsFullLex(BASE, `${BASE}\n## Phase 3\n\nLast.\n`)).toBe(true);
    expect(expectSameAsFullLex(BASE, BASE.replace('Intro text', 'Changed intro text'))).toBe(true);
  });

  it('lexes the whole text again when the edit changes what follows it (an open fence, a setext underline)', () => {
    // An unclosed fence swallows every heading after it.
    expect(expectSameAsFullLex(BASE, BASE.replace('Body of 2.1.', `${FENCE}\nBody of 2.1.`))).toBe(false);
    // The underline of the restart heading changed: it is no heading any more.
    expectSameAsFullLex(BASE, BASE.replace('------------', 'not an underline'));
    // The preamble's only content removed: the first content block moves past the edit.
    expectSameAsFullLex(BASE, BASE.replace('Intro text before any heading.\n', ''));
    expectSameAsFullLex(BASE, '');
    expectSameAsFullLex('', BASE);
  });

  it('agrees with a whole lex on many random edits (a seeded generator: the same edits every run)', () => {
    // Most edits are local: the earlier blocks serve.
    expect(randomEdits(BASE, SNIPPETS, 300)).toBeGreaterThan(150);
  });

  it('resolves reference links in headings against definitions outside the re-lexed span', () => {
    const v1 =
      '# Intro\n\nSome text.\n\n# See [the spec][spec]\n\nBody.\n\n# Other\n\nMore.\n\n[spec]: https://example.com\n';
    const edited = sameAsFullLex(v1, v1.replace('Some text.', 'Some changed text.'));
    expect(edited).toEqual({ reused: true, titles: ['Intro', 'See the spec', 'Other'] });

    // In LINKED, every definition is after the edits below, in a block quote or a list too.
    const linked = (after: string) => sameAsFullLex(LINKED, after);
    const renamed = linked(LINKED.replace('Body of 2.1.', 'Body of 2.1, edited.'));
    expect(renamed.reused).toBe(true);
    expect(renamed.titles).toEqual(
      expect.arrayContaining(['Plan for the shop', 'Story 1.2: see spec', 'Phase 3: Payments and refunds']),
    );
    // A definition removed in the edited span: its references are text again.
    const removed = linked(LINKED.replace('[shop]: https://example.com/shop\n', ''));
    expect(removed.reused).toBe(true);
    expect(removed.titles).toContain('Plan for [the shop][shop]');
    // One added in the span before another of its tag wins, as it would in a whole lex; so does a
    // changed one (sameAsFullLex compares the sections, ids and all, with a whole lex).
    expect(linked(LINKED.replace('Body of 2.1.', 'Body.\n\n[spec]: /first')).reused).toBe(true);
    expect(linked(LINKED.replace('https://example.com/shop', '/elsewhere')).reused).toBe(true);
    // A definition added where none was: the reference resolves.
    const added = linked(
      LINKED.replace('## Phase 3: [Payments][pay]', '## Phase 3: [Payments][new]').concat('\n[new]: /n\n'),
    );
    expect(added.titles).toContain('Phase 3: Payments and refunds');
  });

  it('agrees with a whole lex on many random edits of a text with reference links and definitions', () => {
    const snippets = [
      ...SNIPPETS,
      '[spec]: /moved\n',
      '[pay]: /pay2 "P"\n',
      '> [shop]: /quoted\n',
      '- [refunds]: /listed\n',
      '## See [spec] and [the shop][shop]\n',
      '# [pay][]\n',
      '[',
      ']: /x\n',
    ];
    expect(randomEdits(LINKED, snippets, 300)).toBeGreaterThan(150);
  });
});

describe('textEdit', () => {
  /** The common prefix and suffix, a character at a time. */
  function slowEdit(old: string, text: string) {
    const limit = Math.min(old.length, text.length);
    let prefix = 0;
    while (prefix < limit && old[prefix] === text[prefix]) prefix++;
    let suffix = 0;
    while (suffix < limit - prefix && old[old.length - 1 - suffix] === text[text.length - 1 - suffix])
      suffix++;
    return { prefix, suffix, delta: text.length - old.length };
  }

  it('finds the common prefix and suffix of texts of any size, edited anywhere (seeded)', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const chars = 'ab\n';
    const some = (n: number) => Array.from({ length: n }, () => chars[next(3)]).join('');
    for (let k = 0; k < 300; k++) {
      const old = some(next(10) === 0 ? 70_000 + next(5000) : next(300));
      const start = next(old.length + 1);
      const end = start + next(old.length - start + 1);
      const text = old.slice(0, start) + some(next(5)) + old.slice(end);
      expect(textEdit(old, text)).toEqual(slowEdit(old, text));
    }
  });
});
