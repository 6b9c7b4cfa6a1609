import { Lexer } from 'marked';
import { sha256Hex } from '@autopilot/kernel';
import { sectionIdKey, sectionsFromMarkdown, type Section } from './section-tree';

const tree = (text: string, files?: { path: string; start: number }[]) =>
  sectionsFromMarkdown(text, { hash: sha256Hex, scope: 'bp_test', ...(files ? { files } : {}) });
const titles = (sections: Section[]) => sections.map((s) => s.title);

const PLAN = [
  '# Shop rewrite',
  '',
  'North star: customers check out in under a minute.',
  '',
  '## Phase 1: Accounts',
  '',
  '- Deliverable: sign-up and login',
  '- Depends on: nothing',
  '',
  '```bash',
  '# install (a comment, not a heading)',
  'npm ci',
  '## also not a heading',
  '```',
  '',
  '### Story 1.1 **Sign-up** with `email`',
  '',
  'Acceptance criteria:',
  '',
  '| # | criterion |',
  '|---|-----------|',
  '| # 1 | an email is confirmed |',
  '',
  '> # A quoted heading is a quotation',
  '',
  '- # A heading in a list is list content',
  '',
  '    # indented code, not a heading',
  '',
  'Phase 2: Checkout',
  '=================',
  '',
  'Depends on Phase 1.',
  '',
  'Story 2.1',
  '---------',
  '',
  'Pay by card.',
  '',
].join('\n');

describe('sectionsFromMarkdown', () => {
  it('makes sections of top-level headings only: none from fences, quotes, lists, tables or indented code', () => {
    const { sections, headingCount } = tree(PLAN);
    expect(titles(sections)).toEqual([
      'Shop rewrite',
      'Phase 1: Accounts',
      'Story 1.1 Sign-up with email',
      'Phase 2: Checkout',
      'Story 2.1',
    ]);
    expect(headingCount).toBe(5);
  });

  it('counts setext headings with their level', () => {
    const { sections } = tree(PLAN);
    expect(sections.map((s) => s.level)).toEqual([1, 2, 3, 1, 2]);
  });

  it('keeps offsets that slice back to each heading, and ends that nest', () => {
    const { sections } = tree(PLAN);
    for (const s of sections) {
      const first = PLAN.slice(s.start).split('\n')[0] as string;
      expect(first.replace(/^#+\s*/, '').length).toBeGreaterThan(0);
      expect(PLAN.slice(s.start, s.bodyEnd)).toContain(first);
    }
    const [root, phase1, story11, phase2, story21] = sections as [
      Section,
      Section,
      Section,
      Section,
      Section,
    ];
    expect(PLAN.slice(root.start).startsWith('# Shop rewrite')).toBe(true);
    expect(PLAN.slice(story11.start).startsWith('### Story 1.1')).toBe(true);
    expect(PLAN.slice(phase2.start).startsWith('Phase 2: Checkout\n====')).toBe(true);
    expect(root.end).toBe(phase2.start);
    expect(root.bodyEnd).toBe(phase1.start);
    expect(phase1.end).toBe(phase2.start);
    expect(story11.end).toBe(phase2.start);
    expect(phase2.end).toBe(PLAN.length);
    expect(story21.end).toBe(PLAN.length);
  });

  it('links parents and keeps heading paths', () => {
    const { sections } = tree(PLAN);
    const [root, phase1, story11, phase2, story21] = sections as [
      Section,
      Section,
      Section,
      Section,
      Section,
    ];
    expect(root.parentId).toBeUndefined();
    expect(phase1.parentId).toBe(root.id);
    expect(story11.parentId).toBe(phase1.id);
    expect(story11.headingPath).toEqual([
      'Shop rewrite',
      'Phase 1: Accounts',
      'Story 1.1 Sign-up with email',
    ]);
    expect(phase2.parentId).toBeUndefined();
    expect(story21.parentId).toBe(phase2.id);
  });

  it("hashes each section's own text, and its word counts add up to the text's", () => {
    const result = tree(PLAN);
    const [root] = result.sections as [Section];
    expect(root.hash).toBe(sha256Hex(PLAN.slice(root.start, root.bodyEnd)));
    expect(result.sections.reduce((n, s) => n + s.wordCount, 0)).toBe(result.wordCount);
  });

  it("keeps ids across an edit of one body, and changes only that section's hash", () => {
    const before = tree(PLAN).sections;
    const after = tree(PLAN.replace('Pay by card.', 'Pay by card or invoice.')).sections;
    expect(after.map((s) => s.id)).toEqual(before.map((s) => s.id));
    const changed = after.filter((s, i) => s.hash !== before[i]?.hash).map((s) => s.title);
    expect(changed).toEqual(['Story 2.1']);
  });

  it('keeps the ids of other sections when a section is inserted, and tells same-titled siblings apart', () => {
    const base = '# A\n\n## Tasks\n\nx\n\n## Tasks\n\ny\n\n# B\n\nz\n';
    const before = tree(base).sections;
    const after = tree(base.replace('# B', '# New\n\nw\n\n# B')).sections;
    const [, tasks1, tasks2, b] = before as [Section, Section, Section, Section];
    expect(tasks1.id).not.toBe(tasks2.id);
    expect(after.find((s) => s.title === 'B')?.id).toBe(b.id);
    expect(after.filter((s) => s.title === 'Tasks').map((s) => s.id)).toEqual([tasks1.id, tasks2.id]);
  });

  it('gives ids that depend on the blueprint, so two blueprints never share one', () => {
    const a = sectionsFromMarkdown('# X\n\ntext\n', { hash: sha256Hex, scope: 'bp_a' }).sections[0];
    const b = sectionsFromMarkdown('# X\n\ntext\n', { hash: sha256Hex, scope: 'bp_b' }).sections[0];
    expect(a?.id).not.toBe(b?.id);
  });

  it('makes text before the first heading a preamble section', () => {
    const text = 'Intro words here.\n\n# First\n\nbody\n';
    const { sections } = tree(text);
    expect(sections.map((s) => [s.kind, s.title, s.start, s.end])).toEqual([
      ['preamble', 'Preamble', 0, text.indexOf('# First')],
      ['heading', 'First', text.indexOf('# First'), text.length],
    ]);
    expect(tree('\n\n# First\n\nbody\n').sections.map((s) => s.kind)).toEqual(['heading']);
  });

  it('reads each file of a multi-file blueprint on its own: sections carry the file and never cross it', () => {
    const a = '# Phase 1\n\n```\nunclosed fence\n';
    const b = 'Notes before any heading.\n\n## Story\n\ntext\n';
    const text = a + b;
    const { sections } = tree(text, [
      { path: 'a.md', start: 0 },
      { path: 'b/notes.md', start: a.length },
    ]);
    expect(sections.map((s) => [s.title, s.file, s.kind, s.parentId === undefined])).toEqual([
      ['Phase 1', 'a.md', 'heading', true],
      ['b/notes.md', 'b/notes.md', 'preamble', true],
      ['Story', 'b/notes.md', 'heading', true],
    ]);
    expect(sections[0]?.end).toBe(a.length);
  });

  it('strips inline Markdown from titles', () => {
    const { sections } = tree(
      '# **Bold** _em_ `code` [link](http://x) ![alt](i.png) <b>tag</b> \\# AT&amp;T\n\ntext\n',
    );
    expect(sections[0]?.title).toBe('Bold em code link alt tag # AT&T');
  });

  it("leaves nothing in the lexer's inline queue: marked's shared tokenizer keeps the last lexer alive", () => {
    const blockTokens = jest.spyOn(Lexer.prototype, 'blockTokens');
    try {
      tree(PLAN);
      const lexers = blockTokens.mock.contexts as Lexer[];
      expect(lexers.length).toBeGreaterThan(0);
      for (const lexer of lexers) expect(lexer.inlineQueue).toHaveLength(0);
    } finally {
      blockTokens.mockRestore();
    }
  });

  it('keeps for the next version what its parse and announcement reuse: every section but its heading path', () => {
    const { sections, memo } = tree(PLAN);
    expect(memo?.sections).toEqual(sections.map(({ headingPath: _path, ...kept }) => kept));
    expect(memo?.sections.some((s) => 'headingPath' in s)).toBe(false);
    const story = sections.find((s) => s.title.startsWith('Story 1.1'))!;
    expect(memo?.ids.get(sectionIdKey(story.parentId ?? '', story.title, 0))).toBe(story.id);
    expect(memo?.ids.size).toBe(sections.length);
  });
});
