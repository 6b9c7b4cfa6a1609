import { Lexer, type Token } from 'marked';
import { AutopilotError, type ContentHash } from '@autopilot/kernel';
import { BlueprintRejectedError, RejectionReason } from '../blueprint/blueprint-rejected-error';
import { plainHeadingTitle } from './heading-title';
import {
  BlockOffsetMismatch,
  lexBlocks,
  linksOf,
  relexBlocks,
  textEdit,
  type HeadingBlock,
  type TextBlocks,
  type TextEdit,
} from './section-blocks';
import { memoSection } from './memo-section';
import { UnchangedSections } from './section-reuse';
import { sameStructureSections } from './section-structure-reuse';
import type { SourceFile } from '../blueprint/text-position';
import { countWords } from './word-count';

/**
 * The section tree of a Markdown blueprint, read with marked's block lexer (a maintained, linear
 * parser: DESIGN.md section 10). Only top-level `heading` tokens start sections, so a `#` line inside
 * a code fence, block quote, list, table or HTML block is content. Offsets are exact: the top-level
 * tokens' `raw` strings concatenate to the source, so a token's offset is the running sum.
 *
 * Text before the first heading (of the text, or of each file) that holds anything but blank lines
 * is a `preamble` section: level 1, titled "Preamble" (or the file's path), no children. It is kept
 * as a section rather than as a document root so that its words, hash and changes are tracked like
 * any other part of the text.
 *
 * Ids are stable across versions while a section's heading path is unchanged: a hash of the id scope
 * (the blueprint), the file, the heading path and the ordinal among same-titled siblings.
 */

export type SectionKind = 'heading' | 'preamble';

export interface Section {
  id: string;
  /** The enclosing section; absent at the top level of a file. */
  parentId?: string;
  /** Heading level 1–6 (a preamble counts as 1). */
  level: number;
  /** Plain text of the heading, inline Markdown stripped. */
  title: string;
  /** Titles from the top-level ancestor down to this section. */
  headingPath: string[];
  /** Offset of the heading (of the preamble's first character) in the text. */
  start: number;
  /** Where the section with its subsections ends, exclusive. */
  end: number;
  /** Where the section's own text ends: its first subsection's heading, else `end`. */
  bodyEnd: number;
  /** Hash of the section's own text `[start, bodyEnd)`, heading line included. */
  hash: string;
  /** Words in the section's own text, heading included, so the sections' counts add up to the text's. */
  wordCount: number;
  kind: SectionKind;
  /** For a multi-file blueprint: the file the section is in. */
  file?: string;
}

export interface SectionTree {
  /** In document order. */
  sections: Section[];
  /** Words in the whole text. */
  wordCount: number;
  /** Top-level headings seen. */
  headingCount: number;
  /** Top-level blocks that are not headings, blank lines, rules or link definitions. */
  contentBlocks: number;
  /**
   * What this parse leaves for the next (a one-file blueprint only), to pass as `previous` when
   * parsing the blueprint's next version: only what changed is lexed, hashed and counted again.
   */
  memo?: TreeMemo;
}

/**
 * Section ids by `sectionIdKey` (parent id, title, ordinal among same-titled siblings). One flat map:
 * a map per parent and per title held 4.4 MB for 19.5k sections, kept between versions.
 */
export type SectionIds = ReadonlyMap<string, string>;

/**
 * The key of a section id in SectionIds. Titles hold no NUL (the text is refused as binary). Joined,
 * not concatenated: a concatenation is a rope of its parts, twice the size of the flat string.
 */
export const sectionIdKey = (parentId: string, title: string, ordinal: number): string =>
  [parentId, title, ordinal].join('\u0000');

/**
 * What the next version needs of a section: its parse reuses its id, and where its own text is with
 * that text's hash and words; its announcement tells the sections it keeps as kept (a
 * `blueprint.ingested` v2 change), which takes the rest of what a section is announced with. Not the
 * whole Section: the memo outlives the job (kept per blueprint, see RecentBlueprintBlocks), and the
 * heading paths were a third of its size.
 */
export type MemoSection = Pick<
  Section,
  'id' | 'parentId' | 'level' | 'title' | 'start' | 'end' | 'bodyEnd' | 'hash' | 'wordCount' | 'kind' | 'file'
>;

/** A one-file parse as the next version's parse reuses it. */
export interface TreeMemo {
  /** The text's top-level blocks (and the text). */
  readonly blocks: TextBlocks;
  /** In document order. */
  readonly sections: readonly MemoSection[];
  /** Section ids by parent id, title and ordinal, so the ids of unchanged heading paths are not hashed again. */
  readonly ids: SectionIds;
}

export interface SectionTreeOptions {
  /** A hex digest (the kernel's `sha256Hex` in production); domain code may not reach for node:crypto. */
  hash: ContentHash;
  /** Prefix of every section id's seed: the blueprint id, so ids do not collide across blueprints. */
  scope?: string;
  /** For a multi-file blueprint: the files, sorted by start, the first at 0. */
  files?: readonly SourceFile[];
  /** An earlier parse of a one-file blueprint, with the same scope (`SectionTree.memo`). */
  previous?: TreeMemo;
  /** `textEdit` from `previous`'s text to this one, when the caller has it already. */
  previousEdit?: TextEdit;
}

export { memoSection };

/** What stands for a preamble's title in its id's seed and in SectionIds. */
export const PREAMBLE_ID_TITLE = '\u0001preamble';

/** Hex characters of the seed's hash kept in an id: 96 bits, collision-free at any realistic size. */
const ID_HEX = 24;

/** The lexer and the code disagreed on offsets: a bug, never the submitter's fault. */
export class SectionOffsetError extends AutopilotError {
  readonly code = 'INGESTION_SECTION_OFFSETS';
  constructor(readonly offset: number) {
    super(`the Markdown lexer's tokens do not add up to the text at offset ${offset}`);
  }
}

/** Sections of `text`; linear in its length. Throws BlueprintRejectedError (TOO_DEEP) if the lexer overflows. */
export function sectionsFromMarkdown(text: string, opts: SectionTreeOptions): SectionTree {
  const files = opts.files && opts.files.length > 0 ? opts.files : [{ path: '', start: 0 }];
  const multiFile = opts.files !== undefined && opts.files.length > 0;
  const previous = multiFile ? undefined : opts.previous;
  // Found once: the re-lex and the reuse of hashes and word counts both go by it.
  const edit = previous ? (opts.previousEdit ?? textEdit(previous.blocks.text, text)) : undefined;
  const builder = new TreeBuilder(text, opts, multiFile, previous && edit ? { previous, edit } : undefined);
  let blocks: TextBlocks | undefined;
  files.forEach((file, i) => {
    const end = files[i + 1]?.start ?? text.length;
    const read = builder.readFile(
      file,
      end,
      previous && edit ? { blocks: previous.blocks, edit } : undefined,
    );
    if (!multiFile) blocks = read;
  });
  return {
    sections: builder.sections,
    wordCount: wordCountOf(text, builder.sections, multiFile),
    headingCount: builder.headingCount,
    contentBlocks: builder.contentBlocks,
    ...(blocks ? { memo: { blocks, sections: builder.memoSections(), ids: builder.ids() } } : {}),
  };
}

/**
 * Words in the whole text. A one-file text's sections are contiguous from the first to the text's
 * end, so their counts (mostly reused from the previous version) add up to it when no word lies
 * before the first and every section starts a line (no word is split between two); else counted.
 */
function wordCountOf(text: string, sections: readonly Section[], multiFile: boolean): number {
  const first = sections[0];
  if (multiFile || first === undefined || countWords(text, 0, first.start) !== 0) return countWords(text);
  // Indexed loops, no callbacks: run once per version, mostly before the engine optimizes them.
  let words = 0;
  for (let k = 0; k < sections.length; k++) {
    const s = sections[k]!;
    if (s.start !== 0 && text.charCodeAt(s.start - 1) !== NEWLINE) return countWords(text);
    words += s.wordCount;
  }
  return words;
}

const NEWLINE = 0x0a;

interface OpenSection {
  section: Section;
  /**
   * Counts of child titles, for the ordinal of a same-titled sibling; made at the first child (most
   * sections have none: a map each was 19.5k allocations per parse).
   */
  childTitles?: Map<string, number>;
}

/** An earlier version's blocks and how the text differs from theirs. */
interface EarlierBlocks {
  readonly blocks: TextBlocks;
  readonly edit: TextEdit;
}

class TreeBuilder {
  /** Replaced, not filled, by the sections moved from the earlier version (sameStructureSections). */
  sections: Section[] = [];
  headingCount = 0;
  contentBlocks = 0;
  /** Every section id by parent id, title and ordinal (`sectionId`). */
  private readonly builtIds = new Map<string, string>();
  /** Set when the sections are the earlier version's moved (sameStructureSections): so are their ids. */
  private reusedIds: SectionIds | undefined;
  /** Set with `reusedIds`: the memo sections, made as the sections were moved. */
  private reusedMemo: MemoSection[] | undefined;
  private readonly unchanged: UnchangedSections | undefined;
  private readonly earlier: { previous: TreeMemo; edit: TextEdit } | undefined;
  private readonly earlierIds: SectionIds | undefined;

  constructor(
    private readonly text: string,
    private readonly opts: SectionTreeOptions,
    private readonly multiFile: boolean,
    earlier?: { previous: TreeMemo; edit: TextEdit },
  ) {
    if (earlier) {
      this.unchanged = new UnchangedSections(earlier.previous.sections, earlier.edit, text.length);
      this.earlierIds = earlier.previous.ids;
      this.earlier = earlier;
    }
  }

  /** Every section id by parent id, title and ordinal. */
  ids(): SectionIds {
    return this.reusedIds ?? this.builtIds;
  }

  /** The sections as the memo keeps them (`memoSection` of each). */
  memoSections(): MemoSection[] {
    return this.reusedMemo ?? this.sections.map(memoSection);
  }

  /** Reads one file's sections; its blocks, reusing `previous` (an earlier version's) where it can. */
  readFile(file: SourceFile, fileEnd: number, previous?: EarlierBlocks): TextBlocks {
    const lexer = new Lexer();
    const blocks = this.readBlocks(lexer, file, fileEnd, previous);
    const firstOfFile = this.sections.length;
    // Only a one-file text has an earlier version: its sections are all the tree's.
    const same =
      this.earlier && previous && firstOfFile === 0
        ? sameStructureSections(this.earlier.previous, blocks, previous.edit, (s) => this.seal(s))
        : undefined;
    if (same) {
      this.reusedIds = this.earlier?.previous.ids;
      this.reusedMemo = same.memo;
      this.sections = same.sections;
      return blocks;
    }
    // A re-lex read only part of the text: headings resolve reference links against all of it.
    lexer.tokens.links = linksOf(blocks.links);
    const { headings, firstContent } = blocks;
    const path = this.multiFile ? file.path : undefined;
    const firstHeading = headings[0]?.start ?? fileEnd;
    if (firstContent !== -1 && firstContent < firstHeading) {
      this.pushPreamble(file.start, firstHeading, path);
    }
    this.pushHeadings(lexer, headings, path, fileEnd);
    for (let i = firstOfFile; i < this.sections.length; i++) this.seal(this.sections[i] as Section);
    return blocks;
  }

  /**
   * The file's top-level blocks: where each heading starts, and the blocks of content. Lexed in
   * one pass, or only around what changed since `previous`. Counts headings and content blocks.
   */
  private readBlocks(lexer: Lexer, file: SourceFile, fileEnd: number, previous?: EarlierBlocks): TextBlocks {
    const lex = (source: string) => this.lex(lexer, file, source);
    let blocks: TextBlocks;
    try {
      blocks =
        (previous ? relexBlocks(previous.blocks, this.text, lex, previous.edit) : undefined) ??
        lexBlocks(this.text, file.start, fileEnd, lex);
    } catch (err) {
      if (err instanceof BlockOffsetMismatch) throw new SectionOffsetError(err.offset);
      throw err;
    }
    this.headingCount += blocks.headings.length;
    this.contentBlocks += blocks.contentBefore + blocks.contentAfter.reduce((sum, n) => sum + n, 0);
    return blocks;
  }

  /** A section per heading, nested by level; ends and body ends are settled as later headings close them. */
  private pushHeadings(
    lexer: Lexer,
    headings: readonly HeadingBlock[],
    path: string | undefined,
    fileEnd: number,
  ): void {
    const topTitles = new Map<string, number>();
    const open: OpenSection[] = [];
    let previous: Section | undefined;
    for (const heading of headings) {
      while (open.length > 0 && (open.at(-1) as OpenSection).section.level >= heading.level) {
        (open.pop() as OpenSection).section.end = heading.start;
      }
      if (previous) previous.bodyEnd = heading.start;
      const parent = open.at(-1);
      const title = plainHeadingTitle(lexer, heading.rawText) || '(untitled)';
      const siblings = parent ? (parent.childTitles ??= new Map()) : topTitles;
      const ordinal = siblings.get(title) ?? 0;
      siblings.set(title, ordinal + 1);
      const headingPath = parent ? [...parent.section.headingPath, title] : [title];
      const section: Section = {
        id: this.sectionId(path, headingPath, ordinal, parent?.section.id),
        level: heading.level,
        title,
        headingPath,
        start: heading.start,
        end: fileEnd,
        bodyEnd: fileEnd,
        hash: '',
        wordCount: 0,
        kind: 'heading',
      };
      if (parent) section.parentId = parent.section.id;
      if (path !== undefined) section.file = path;
      this.sections.push(section);
      open.push({ section });
      previous = section;
    }
  }

  private lex(lexer: Lexer, file: SourceFile, source: string): Token[] {
    try {
      return lexer.blockTokens(source, []);
    } catch (cause) {
      // nesting-depth.ts keeps deep input away from the lexer; this is the backstop if it missed a shape.
      if (cause instanceof RangeError) {
        throw new BlueprintRejectedError(
          RejectionReason.TOO_DEEP,
          'nested too deeply for the Markdown parser',
          this.multiFile ? { file: file.path } : {},
          { cause },
        );
      }
      throw cause;
    } finally {
      // Only the block pass runs, so the text of every block marked queued for an inline pass is
      // never read; and marked's shared default tokenizer keeps the last lexer, queue and all, for
      // the life of the process (9.8 MB after a 2.9 MB text, through the whole of planning).
      lexer.inlineQueue.length = 0;
    }
  }

  private pushPreamble(start: number, end: number, path: string | undefined): void {
    const title = path ?? 'Preamble';
    const section: Section = {
      id: this.sectionId(path, [PREAMBLE_ID_TITLE], 0),
      level: 1,
      title,
      headingPath: [title],
      start,
      end,
      bodyEnd: end,
      hash: '',
      wordCount: 0,
      kind: 'preamble',
    };
    if (path !== undefined) section.file = path;
    this.sections.push(section);
  }

  private seal(section: Section): void {
    const same = this.unchanged?.find(section.start, section.bodyEnd);
    section.hash = same?.hash ?? this.opts.hash(this.text.slice(section.start, section.bodyEnd));
    section.wordCount = same?.wordCount ?? countWords(this.text, section.start, section.bodyEnd);
  }

  /**
   * The hash of the seed (scope, file, heading path, ordinal). Remembered by parent id, title and
   * ordinal, which stand for the seed within one file of one scope (the parent's id for its path).
   */
  private sectionId(
    file: string | undefined,
    headingPath: readonly string[],
    ordinal: number,
    parentId = '',
  ): string {
    const key = sectionIdKey(parentId, headingPath.at(-1) ?? '', ordinal);
    const id = this.earlierIds?.get(key) ?? this.hashedId(file, headingPath, ordinal);
    this.builtIds.set(key, id);
    return id;
  }

  private hashedId(file: string | undefined, headingPath: readonly string[], ordinal: number): string {
    const seed = [this.opts.scope ?? '', file ?? '', ...headingPath, String(ordinal)].join('\u0000');
    return `sec_${this.opts.hash(seed).slice(0, ID_HEX)}`;
  }
}
