/**
 * Markdown for the tests of incremental parsing: a blueprint with what makes re-lexing hard, and a
 * seeded generator, so random edits are the same edits on every run.
 */
export const FENCE = '```';

/** A preamble, ATX and setext headings, fences holding `#` lines, a table and same-titled siblings. */
export const PLAN_MARKDOWN = [
  'Intro text before any heading.',
  '',
  '# Plan',
  '',
  'Overview paragraph.',
  '',
  '## Phase 1',
  '',
  '- item one',
  '- item two',
  '',
  '### Story 1.1',
  '',
  `${FENCE}bash`,
  '# not a heading',
  'npm test',
  FENCE,
  '',
  'Setext title',
  '------------',
  '',
  'Under the setext heading.',
  '',
  '### Story 1.2',
  '',
  '| a | b |',
  '| --- | --- |',
  '| 1 | 2 |',
  '',
  '## Phase 2',
  '',
  '### Story 2.1',
  '',
  'Body of 2.1.',
  '',
  '### Story 2.1',
  '',
  'A same-titled sibling.',
  '',
].join('\n');

/** PLAN_MARKDOWN with headings holding reference links, and their definitions: top level, quoted, in a list. */
export const LINKED_PLAN_MARKDOWN = [
  PLAN_MARKDOWN.replace('# Plan', '# Plan for [the shop][shop]').replace(
    '### Story 1.2',
    '### Story 1.2: see [spec]',
  ),
  '## Phase 3: [Payments][pay] and [refunds]',
  '',
  'Body of phase 3.',
  '',
  '[shop]: https://example.com/shop',
  '',
  '> [pay]: https://example.com/pay "Payments"',
  '',
  '- [refunds]: https://example.com/refunds',
  '',
  '[SPEC]: https://example.com/spec',
  '',
].join('\n');

/** A linear congruential generator: `random(n)` is in [0, n), the same sequence for the same seed. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}
