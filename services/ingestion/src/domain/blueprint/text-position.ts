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
export function siteOfOffset(
  text: string,
  offset: number,
  files: readonly SourceFile[] | undefined,
  fallbackFile?: string,
): RejectionSite {
  const file = files ? fileAt(files, offset) : undefined;
  const from = file?.start ?? 0;
  let line = 1;
  for (let i = text.indexOf('\n', from); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  const path = file?.path ?? fallbackFile;
  return path === undefined ? { offset, line } : { file: path, offset, line };
}

/** The file holding `offset` (files sorted by start); binary search, so callers may use it per section. */
export function fileAt(files: readonly SourceFile[], offset: number): SourceFile | undefined {
  let lo = 0;
  let hi = files.length - 1;
  let found: SourceFile | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = files[mid] as SourceFile;
    if (candidate.start <= offset) {
      found = candidate;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
