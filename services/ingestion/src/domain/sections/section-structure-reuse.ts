import type { LinkDefinition, TextBlocks, TextEdit } from './section-blocks';
import type { MemoSection, Section, TreeMemo } from './section-tree';

/**
 * The sections of a one-file text from those of its previous version, when the edit left its
 * headings as they were: as many, each of the same level and raw text where the edit moved it, the
 * same link definitions (headings' reference links resolve against them) and a preamble where there
 * was one. Then the tree is the same: the same titles, nesting, ordinals among same-titled siblings
 * and so ids, only moved. Rebuilding it heading by heading (titles, ids, heading paths) was most of
 * re-parsing a 19.5k-section text after a one-section edit (issue 17).
 *
 * Undefined when anything about the headings changed: the caller builds the tree. A section whose
 * own text the edit left as it was keeps its hash and word count; the others are handed to `seal`,
 * as a built tree's are. The ids the parse remembers are the previous version's (`previous.ids`):
 * every key in it is one of these sections' with the same id.
 */
export function sameStructureSections(
  previous: TreeMemo,
  blocks: TextBlocks,
  edit: TextEdit,
  seal: (section: Section) => void,
): Section[] | undefined {
  const before = previous.blocks;
  const { headings, text } = blocks;
  if (headings.length !== before.headings.length || !sameLinks(before.links, blocks.links)) return undefined;
  const oldLength = before.text.length;
  const moved = (x: number): number | undefined => movedOffset(edit, oldLength, x);
  for (let k = 0; k < headings.length; k++) {
    const h = headings[k]!;
    const old = before.headings[k]!;
    if (h.level !== old.level || h.rawText !== old.rawText || h.start !== moved(old.start)) return undefined;
  }
  const firstHeading = headings[0]?.start ?? text.length;
  const preamble = blocks.firstContent !== -1 && blocks.firstContent < firstHeading;
  const sections = previous.sections;
  if (sections.length !== headings.length + (preamble ? 1 : 0)) return undefined;
  if (preamble !== (sections[0]?.kind === 'preamble')) return undefined;

  // Own texts wholly in the common prefix (and not ending where an insertion is made) or wholly in
  // the common suffix are unchanged (UnchangedSections, without its lookups).
  const suffixStart = oldLength - edit.suffix;
  const inPrefix = (s: MemoSection): boolean => s.bodyEnd <= edit.prefix && s.bodyEnd < suffixStart;
  const unchanged = (s: MemoSection): boolean => inPrefix(s) || s.start >= suffixStart;
  const out: Section[] = [];
  // Open heading sections, innermost last, as the tree builder keeps them: a section's parent.
  const open: Section[] = [];
  for (const s of sections) {
    if (s.file !== undefined) return undefined;
    const end = moved(s.end);
    const bodyEnd = moved(s.bodyEnd);
    if (end === undefined || bodyEnd === undefined) return undefined;
    if (s.kind === 'preamble') {
      // It starts at 0 whatever the edit (an insertion there moves no preamble), so only a prefix keeps it.
      out.push(section(s, [s.title], 0, end, bodyEnd, inPrefix(s)));
      continue;
    }
    while (open.length > 0 && open.at(-1)!.level >= s.level) open.pop();
    const parent = open.at(-1);
    if (parent?.id !== s.parentId) return undefined;
    const start = moved(s.start);
    if (start === undefined) return undefined;
    const path = parent ? [...parent.headingPath, s.title] : [s.title];
    const next = section(s, path, start, end, bodyEnd, unchanged(s));
    out.push(next);
    open.push(next);
  }
  for (const s of out) if (s.hash === UNSEALED) seal(s);
  return out;
}

/** The hash of a section not sealed yet (a hex digest is never empty). */
const UNSEALED = '';

/**
 * Where offset `x` of the previous text is in the new one: in the common prefix it stays, in the
 * common suffix it moves by the edit; between them it has no place. An offset at the end of the
 * prefix that also starts the suffix (an insertion there) moves, as the text starting there did.
 */
function movedOffset(edit: TextEdit, oldLength: number, x: number): number | undefined {
  if (x >= oldLength - edit.suffix) return x + edit.delta;
  return x <= edit.prefix ? x : undefined;
}

function sameLinks(a: readonly LinkDefinition[], b: readonly LinkDefinition[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.tag !== y.tag || x.href !== y.href || x.title !== y.title) return false;
  }
  return true;
}

/**
 * A section as the tree builder makes it, its fields in the builder's order: with the earlier
 * section's hash and word count when its own text is unchanged, else not yet sealed.
 */
function section(
  s: MemoSection,
  headingPath: string[],
  start: number,
  end: number,
  bodyEnd: number,
  sameText: boolean,
): Section {
  const out: Section = {
    id: s.id,
    level: s.level,
    title: s.title,
    headingPath,
    start,
    end,
    bodyEnd,
    hash: sameText ? s.hash : UNSEALED,
    wordCount: sameText ? s.wordCount : 0,
    kind: s.kind,
  };
  if (s.parentId !== undefined) out.parentId = s.parentId;
  return out;
}
