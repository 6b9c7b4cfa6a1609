import type { LinkDefinition, TextBlocks, TextEdit } from './section-blocks';
import { memoSection } from './memo-section';
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
 * as a built tree's are. With the sections come their memo sections, the unmoved ones reused. The
 * ids the parse remembers are the previous version's (`previous.ids`): every key in it is one of
 * these sections' with the same id.
 */
export function sameStructureSections(
  previous: TreeMemo,
  blocks: TextBlocks,
  edit: TextEdit,
  seal: (section: Section) => void,
): SameStructure | undefined {
  const before = previous.blocks;
  const { headings, text } = blocks;
  if (headings.length !== before.headings.length || !sameLinks(before.links, blocks.links)) return undefined;
  // Where offset x of the previous text is in the new one: in the common suffix it moves by the
  // edit (an offset at the end of the prefix that also starts the suffix, an insertion there, moves
  // as the text starting there did); in the common prefix it stays; between them it has no place
  // (-1). The loops index: this runs once per version, mostly before the engine optimizes it, where
  // an iterator per section cost 6 ms of 19.5k.
  const { prefix, delta } = edit;
  const suffixStart = before.text.length - edit.suffix;
  const moved = (x: number): number => (x >= suffixStart ? x + delta : x <= prefix ? x : -1);
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

  const out: Section[] = [];
  // Open heading sections, innermost last, as the tree builder keeps them: a section's parent.
  const open: Section[] = [];
  for (let k = 0; k < sections.length; k++) {
    const s = sections[k]!;
    if (s.file !== undefined) return undefined;
    const end = moved(s.end);
    const bodyEnd = moved(s.bodyEnd);
    if (end === -1 || bodyEnd === -1) return undefined;
    // Own texts wholly in the common prefix (and not ending where an insertion is made) or wholly
    // in the common suffix are unchanged (UnchangedSections, without its lookups).
    const inPrefix = s.bodyEnd <= prefix && s.bodyEnd < suffixStart;
    if (s.kind === 'preamble') {
      // It starts at 0 whatever the edit (an insertion there moves no preamble), so only a prefix keeps it.
      out.push(section(s, [s.title], 0, end, bodyEnd, inPrefix));
      continue;
    }
    while (open.length > 0 && open[open.length - 1]!.level >= s.level) open.pop();
    const parent = open.length > 0 ? open[open.length - 1] : undefined;
    if (parent?.id !== s.parentId) return undefined;
    const start = moved(s.start);
    if (start === -1) return undefined;
    const path = parent ? parent.headingPath.concat(s.title) : [s.title];
    const next = section(s, path, start, end, bodyEnd, inPrefix || s.start >= suffixStart);
    out.push(next);
    open.push(next);
  }
  for (let k = 0; k < out.length; k++) if (out[k]!.hash === UNSEALED) seal(out[k]!);
  return { sections: out, memo: memoSectionsOf(sections, out) };
}

/** The sections of a version whose headings are its previous version's, and their memo sections. */
export interface SameStructure {
  readonly sections: Section[];
  /** `sections.map(memoSection)`, holding the previous version's memo section where one is unchanged. */
  readonly memo: MemoSection[];
}

/**
 * The memo sections of `out`, the sections moved from `previous` one for one: a previous memo
 * section where its section is the same (no offset moved, the same text), else made anew. Past the
 * edit every section moved, so only those before it are kept (a copy each cost 9 ms and 5 MB for
 * 19.5k sections).
 */
function memoSectionsOf(previous: readonly MemoSection[], out: readonly Section[]): MemoSection[] {
  const memo = new Array<MemoSection>(out.length);
  for (let k = 0; k < out.length; k++) {
    const s = out[k]!;
    const old = previous[k]!;
    const same =
      old.start === s.start &&
      old.end === s.end &&
      old.bodyEnd === s.bodyEnd &&
      old.hash === s.hash &&
      old.wordCount === s.wordCount;
    memo[k] = same ? old : memoSection(s);
  }
  return memo;
}

/** The hash of a section not sealed yet (a hex digest is never empty). */
const UNSEALED = '';

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
 * section's hash and word count when its own text is unchanged, else not yet sealed. One literal
 * per shape, as a field added to a built object grows its property store (see memoSection).
 */
function section(
  s: MemoSection,
  headingPath: string[],
  start: number,
  end: number,
  bodyEnd: number,
  sameText: boolean,
): Section {
  const hash = sameText ? s.hash : UNSEALED;
  const wordCount = sameText ? s.wordCount : 0;
  const { id, level, title, kind, parentId } = s;
  return parentId === undefined
    ? { id, level, title, headingPath, start, end, bodyEnd, hash, wordCount, kind }
    : { id, level, title, headingPath, start, end, bodyEnd, hash, wordCount, kind, parentId };
}
