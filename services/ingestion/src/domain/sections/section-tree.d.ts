import { AutopilotError } from '@autopilot/kernel';
import type { SourceFile } from '../blueprint/text-position';
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
}
export interface SectionTreeOptions {
    /** A hex digest (sha256 in production); domain code may not reach for node:crypto itself. */
    hash: (text: string) => string;
    /** Prefix of every section id's seed: the blueprint id, so ids do not collide across blueprints. */
    scope?: string;
    /** For a multi-file blueprint: the files, sorted by start, the first at 0. */
    files?: readonly SourceFile[];
}
/** The lexer and the code disagreed on offsets: a bug, never the submitter's fault. */
export declare class SectionOffsetError extends AutopilotError {
    readonly offset: number;
    readonly code = "INGESTION_SECTION_OFFSETS";
    constructor(offset: number);
}
/** Sections of `text`; linear in its length. Throws BlueprintRejectedError (TOO_DEEP) if the lexer overflows. */
export declare function sectionsFromMarkdown(text: string, opts: SectionTreeOptions): SectionTree;
//# sourceMappingURL=section-tree.d.ts.map