import type { RejectionSite } from './blueprint-rejected-error';
/** A file of a multi-file blueprint: its path and the offset of its first character in the joined text. */
export interface SourceFile {
    path: string;
    start: number;
}
/**
 * Where an offset of the text is, for an error message: the file (from `files`, else `fallbackFile`)
 * and the 1-based line within it. Counts newlines from the file's start, so call it for errors only.
 */
export declare function siteOfOffset(text: string, offset: number, files: readonly SourceFile[] | undefined, fallbackFile?: string): RejectionSite;
/** The file holding `offset` (files sorted by start); binary search, so callers may use it per section. */
export declare function fileAt(files: readonly SourceFile[], offset: number): SourceFile | undefined;
//# sourceMappingURL=text-position.d.ts.map