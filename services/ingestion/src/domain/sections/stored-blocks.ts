import type { HeadingBlock, LinkDefinition, TextBlocks } from './section-blocks';
import {
  memoSection,
  PREAMBLE_ID_TITLE,
  sectionIdKey,
  type MemoSection,
  type Section,
  type SectionIds,
  type TreeMemo,
} from './section-tree';

/**
 * What a version's parse memo (TreeMemo) holds that its stored text and sections do not, so a later
 * process (a second `autopilot plan` run) rebuilds the memo from the store and re-lexes only what
 * changed, instead of lexing the whole text again (issue 17). Compact: a heading's start and level
 * are its section's, and its raw text is its section's title unless it holds inline Markdown, so
 * only those that differ are kept.
 */
export interface StoredBlocks {
  /** The layout of this record; one of another layout is ignored (the next version is lexed whole). */
  readonly format: typeof STORED_BLOCKS_FORMAT;
  /** Sections of the parse (preamble included): the memo is rebuilt only from as many. */
  readonly sectionCount: number;
  /** Indexes (among the heading sections) of the headings whose raw text is not their title. */
  readonly rawAt: readonly number[];
  /** Their raw texts, in the order of `rawAt`. */
  readonly rawTexts: readonly string[];
  /** Content blocks before the first heading. */
  readonly contentBefore: number;
  /** Content blocks after each heading, one per heading section. */
  readonly contentAfter: readonly number[];
  /** Offset of the first content block, -1 when there is none. */
  readonly firstContent: number;
  readonly links: readonly LinkDefinition[];
}

/**
 * Raised whenever the blocks a text lexes to change for the same text (2: YAML front matter is one
 * content block, no longer a rule and a setext heading), so blocks stored before are not reused.
 */
export const STORED_BLOCKS_FORMAT = 2;

/**
 * The blocks of a one-file parse to store beside its sections, or undefined when its headings are
 * not its heading sections one for one (never for a one-file parse; then nothing is stored).
 */
export function storedBlocksOf(memo: TreeMemo): StoredBlocks | undefined {
  const { headings } = memo.blocks;
  const rawAt: number[] = [];
  const rawTexts: string[] = [];
  const sections = memo.sections;
  let i = 0;
  // Indexed: made once per version, mostly before the engine optimizes it, where an iterator
  // allocates a result per section.
  for (let k = 0; k < sections.length; k++) {
    const section = sections[k]!;
    if (section.kind !== 'heading') continue;
    const heading = headings[i];
    if (!heading || heading.start !== section.start || heading.level !== section.level) return undefined;
    if (heading.rawText !== section.title) {
      rawAt.push(i);
      rawTexts.push(heading.rawText);
    }
    i++;
  }
  if (i !== headings.length) return undefined;
  return {
    format: STORED_BLOCKS_FORMAT,
    sectionCount: memo.sections.length,
    rawAt,
    rawTexts,
    contentBefore: memo.blocks.contentBefore,
    contentAfter: memo.blocks.contentAfter,
    firstContent: memo.blocks.firstContent,
    links: memo.blocks.links,
  };
}

/**
 * More bytes than the record takes as JSON or as BSON: every UTF-16 unit of a string counted 6 times
 * (a `\uXXXX` escape), every value with 24 bytes of framing (an array element's key and type, a
 * string's length). Whoever stores it compares this with the store's document limit.
 */
export function storedBlocksBytesBound(stored: StoredBlocks): number {
  let bytes = 1024 + 24 * (stored.rawAt.length + stored.contentAfter.length);
  for (const raw of stored.rawTexts) bytes += 6 * raw.length + 24;
  for (const link of stored.links) {
    bytes += 6 * (link.tag.length + link.href.length + (link.title?.length ?? 0)) + 4 * 24 + 64;
  }
  return bytes;
}

/**
 * The memo a parse of `text` left (`SectionTree.memo`), rebuilt from what the version stored: its
 * text, its sections in document order, and `storedBlocksOf` that memo. Equal to that memo. Undefined
 * when they do not fit together (another record layout, other heading counts, a multi-file
 * version's sections): the caller then parses the next version whole.
 */
export function restoreTreeMemo(
  text: string,
  sections: readonly Section[],
  stored: StoredBlocks,
): TreeMemo | undefined {
  if (
    stored.format !== STORED_BLOCKS_FORMAT ||
    stored.sectionCount !== sections.length ||
    stored.rawAt.length !== stored.rawTexts.length
  )
    return undefined;
  const raw = new Map<number, string>();
  stored.rawAt.forEach((at, k) => raw.set(at, stored.rawTexts[k] as string));
  const headings: HeadingBlock[] = [];
  const memoSections: MemoSection[] = [];
  for (const section of sections) {
    if (section.file !== undefined || section.end > text.length) return undefined;
    memoSections.push(memoSection(section));
    if (section.kind !== 'heading') continue;
    headings.push({
      start: section.start,
      level: section.level,
      rawText: raw.get(headings.length) ?? section.title,
    });
  }
  if (headings.length !== stored.contentAfter.length) return undefined;
  const blocks: TextBlocks = {
    text,
    headings,
    contentBefore: stored.contentBefore,
    contentAfter: stored.contentAfter,
    firstContent: stored.firstContent,
    links: stored.links,
  };
  return { blocks, sections: memoSections, ids: sectionIdsOf(memoSections) };
}

/**
 * The section ids a parse remembers (`TreeMemo.ids`), from its sections: keyed as the parse keys
 * them, by parent id, title (a preamble's own) and ordinal among the same parent's same-titled
 * children, set in document order as the parse sets them.
 */
export function sectionIdsOf(sections: readonly MemoSection[]): SectionIds {
  const ids = new Map<string, string>();
  const topTitles = new Map<string, number>();
  // Child title counts by parent id: a section opening with an id starts its own (the parse keeps
  // them on the open section, so two sections with one id each count their children apart).
  const childTitles = new Map<string, Map<string, number>>();
  for (const section of sections) {
    if (section.kind === 'preamble') {
      ids.set(sectionIdKey('', PREAMBLE_ID_TITLE, 0), section.id);
      continue;
    }
    let siblings = topTitles;
    if (section.parentId !== undefined) {
      siblings = childTitles.get(section.parentId) ?? new Map<string, number>();
      childTitles.set(section.parentId, siblings);
    }
    const ordinal = siblings.get(section.title) ?? 0;
    siblings.set(section.title, ordinal + 1);
    ids.set(sectionIdKey(section.parentId ?? '', section.title, ordinal), section.id);
    childTitles.delete(section.id);
  }
  return ids;
}
