import { AutopilotError } from '@autopilot/kernel';

/** Why a submitted blueprint was refused before anything was stored. */
export const RejectionReason = {
  /** No text, or only whitespace. */
  EMPTY: 'EMPTY',
  /** NUL bytes or mostly control characters: not a text file. */
  BINARY: 'BINARY',
  /** Bytes that do not decode as UTF-8. */
  INVALID_UTF8: 'INVALID_UTF8',
  /** Larger than the configured limit or than a blueprint message can carry. */
  TOO_LARGE: 'TOO_LARGE',
  /** Headings and nothing under any of them. */
  HEADINGS_ONLY: 'HEADINGS_ONLY',
  /** Block quotes or lists nested deeper than the parser can take in bounded time and stack. */
  TOO_DEEP: 'TOO_DEEP',
  /** A directory holding no `.md`, `.markdown` or `.txt` file. */
  NO_TEXT_FILES: 'NO_TEXT_FILES',
  /** A multi-file blueprint whose file list does not fit its text (unsorted, past the end, not from 0). */
  INVALID_FILES: 'INVALID_FILES',
  /** More sections (headings) than one blueprint may have (MAX_BLUEPRINT_SECTIONS). */
  TOO_MANY_SECTIONS: 'TOO_MANY_SECTIONS',
} as const;
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];

/** Where in the submission the problem is; every field that is known is set. */
export interface RejectionSite {
  /** The file (or directory) named by the submitter, or a file inside a submitted directory. */
  file?: string;
  /** Offset in the file's bytes (binary and UTF-8 problems). */
  byteOffset?: number;
  /** Offset in the text, in characters (UTF-16 code units), as section offsets count. */
  offset?: number;
  /** 1-based line in `file` (or in the text when there is no file). */
  line?: number;
}

/**
 * A blueprint refused on its content: retrying the same input cannot help, so the CLI exits 2 and the
 * service records the job as failed. `reason` says what, `site` says where; the message says both.
 */
export class BlueprintRejectedError extends AutopilotError {
  readonly code = 'INGESTION_BLUEPRINT_REJECTED';
  constructor(
    readonly reason: RejectionReason,
    readonly problem: string,
    readonly site: RejectionSite = {},
    options?: ErrorOptions,
  ) {
    super(`${describeSite(site)}${problem}`, options);
  }
}

function describeSite(site: RejectionSite): string {
  const parts: string[] = [];
  if (site.file !== undefined) parts.push(site.file);
  if (site.line !== undefined) parts.push(`line ${site.line}`);
  if (site.byteOffset !== undefined) parts.push(`byte ${site.byteOffset}`);
  else if (site.offset !== undefined && site.line === undefined) parts.push(`offset ${site.offset}`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
