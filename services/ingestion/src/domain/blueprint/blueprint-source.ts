import type { TextEdit } from '../sections/section-blocks';
import { BlueprintRejectedError, RejectionReason } from './blueprint-rejected-error';
import { firstLineDeeperThan, firstLineDeeperThanAround } from './nesting-depth';
import { siteOfOffset, type SourceFile } from './text-position';

/**
 * Checks a submitted blueprint before anything is parsed or stored. Bytes (from files) are decoded
 * here; text (from a command) is checked here. Each problem is a `BlueprintRejectedError` naming the
 * file and the byte offset or line. Headings-only needs the parse and is checked in `parseBlueprint`.
 */

/** 8 MiB: the default size limit, in UTF-8 bytes. */
export const DEFAULT_MAX_BLUEPRINT_BYTES = 8 * 1024 * 1024;
/**
 * What one blueprint message can carry (contracts' `BlueprintText`, 16 Mi characters, enough for
 * the default byte limit): a text past it could be stored but never announced, so it is refused
 * up front when a larger byte limit is configured.
 */
export const MAX_BLUEPRINT_CHARS = 16 * 1024 * 1024;
/** Nesting of block quotes and lists the parser is given; real documents stay under ten. */
export const DEFAULT_MAX_NESTING = 64;

/** How much of the start of a text decides "mostly control characters". */
const BINARY_SAMPLE = 8192;
/** Share of control characters in the sample past which the input is taken for binary. */
const BINARY_CONTROL_SHARE = 0.1;

export interface BlueprintLimits {
  /** Refuse texts larger than this many UTF-8 bytes. Default `DEFAULT_MAX_BLUEPRINT_BYTES`. */
  maxBytes?: number;
  /** Refuse block quotes and lists nested deeper than this. Default `DEFAULT_MAX_NESTING`. */
  maxNesting?: number;
  /** Refuse texts with more sections (headings) than this. Default MAX_BLUEPRINT_SECTIONS. */
  maxSections?: number;
}

/**
 * Decodes a file's bytes as UTF-8 (a leading BOM is dropped). Throws `BlueprintRejectedError`:
 * TOO_LARGE, BINARY (a NUL byte or mostly control bytes) or INVALID_UTF8 with the byte offset and
 * line of the first bad sequence. Empty files decode to '' (the caller decides whether that is an error).
 */
export function decodeBlueprintBytes(bytes: Uint8Array, file: string, limits: BlueprintLimits = {}): string {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BLUEPRINT_BYTES;
  if (bytes.length > maxBytes) {
    throw new BlueprintRejectedError(
      RejectionReason.TOO_LARGE,
      `${bytes.length} bytes is over the ${maxBytes}-byte limit`,
      { file },
    );
  }
  const binaryAt = binaryByteOffset(bytes);
  if (binaryAt !== undefined) {
    throw new BlueprintRejectedError(
      RejectionReason.BINARY,
      'binary content (a NUL byte or mostly control bytes), not text',
      { file, byteOffset: binaryAt, line: lineOfByte(bytes, binaryAt) },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    const at = firstInvalidUtf8(bytes);
    throw new BlueprintRejectedError(
      RejectionReason.INVALID_UTF8,
      'not valid UTF-8 (save the file as UTF-8)',
      { file, byteOffset: at, line: lineOfByte(bytes, at) },
      { cause },
    );
  }
}

/** True when the bytes look binary: a NUL byte, or mostly control bytes at the start. */
export function looksBinary(bytes: Uint8Array): boolean {
  return binaryByteOffset(bytes) !== undefined;
}

/**
 * The text as it is stored and parsed: a leading BOM dropped and line endings made `\n` (the parser
 * sees only `\n`, and offsets must point into the very string it saw). The digest is of this text.
 */
export function normalizeBlueprintText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.indexOf('\r') === -1 ? withoutBom : withoutBom.replace(/\r\n?/g, '\n');
}

/** What checking a text measured, for the check of its next version. */
export interface TextChecks {
  /** The text's UTF-8 size. */
  readonly bytes: number;
  /** The nesting limit every line of the text is within. */
  readonly maxNesting: number;
}

/** A text that passed checkBlueprintText, what the check measured, and how the text differs from it. */
export interface CheckedText {
  readonly text: string;
  readonly checks: TextChecks;
  /** From `text` to the text checked now (`textEdit`). */
  readonly edit: TextEdit;
}

/**
 * Checks a normalized text: EMPTY, TOO_LARGE, BINARY (NUL or mostly control characters) and TOO_DEEP
 * (naming the line). `files` locates a problem in a multi-file blueprint; `label` names a single one.
 * With `earlier` (the previous version, which passed), what lies outside the edit is not measured
 * again: its size is the earlier size changed by the edit's, and only the lines the edit touches
 * are measured for nesting and NUL (issue 17: a one-section edit measured all 2.9 MB).
 */
export function checkBlueprintText(
  text: string,
  where: { files?: readonly SourceFile[]; label?: string },
  limits: BlueprintLimits = {},
  earlier?: CheckedText,
): TextChecks {
  const label = where.label;
  if (text.trim().length === 0) {
    throw new BlueprintRejectedError(
      RejectionReason.EMPTY,
      'the blueprint is empty (no text but whitespace)',
      {
        ...(label !== undefined ? { file: label } : {}),
      },
    );
  }
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BLUEPRINT_BYTES;
  const bytes = earlier ? bytesAfterEdit(text, earlier) : utf8ByteLength(text);
  if (bytes > maxBytes) {
    throw new BlueprintRejectedError(
      RejectionReason.TOO_LARGE,
      `${bytes} bytes is over the ${maxBytes}-byte limit`,
      label !== undefined ? { file: label } : {},
    );
  }
  if (text.length > MAX_BLUEPRINT_CHARS) {
    throw new BlueprintRejectedError(
      RejectionReason.TOO_LARGE,
      `${text.length} characters is over the ${MAX_BLUEPRINT_CHARS} a blueprint message can carry`,
      label !== undefined ? { file: label } : {},
    );
  }
  // Only the edit can have brought a NUL: the earlier text had none.
  const editEnd = earlier ? text.length - earlier.edit.suffix : text.length;
  const binaryAt = binaryCharOffset(text, earlier ? earlier.edit.prefix : 0, editEnd);
  if (binaryAt !== undefined) {
    throw new BlueprintRejectedError(
      RejectionReason.BINARY,
      'binary content (a NUL or mostly control characters), not text',
      siteOfOffset(text, binaryAt, where.files, label),
    );
  }
  const maxNesting = limits.maxNesting ?? DEFAULT_MAX_NESTING;
  // The earlier text's lines are within its limit; within this one when it is no stricter.
  const deepest =
    earlier && earlier.checks.maxNesting <= maxNesting
      ? firstLineDeeperThanAround(text, maxNesting, earlier.edit.prefix, editEnd)
      : firstLineDeeperThan(text, maxNesting);
  if (deepest !== undefined) {
    throw new BlueprintRejectedError(
      RejectionReason.TOO_DEEP,
      `block quotes or lists nested ${deepest.depth} levels deep (the limit is ${maxNesting})`,
      siteOfOffset(text, deepest.offset, where.files, label),
    );
  }
  return { bytes, maxNesting };
}

/**
 * The UTF-8 size of `text` from the earlier text's: the earlier size, less the edited span's, plus
 * its replacement's. The span is widened by a character where an end of it would split a surrogate
 * pair (a pair is 4 bytes, its halves alone 3 each).
 */
function bytesAfterEdit(text: string, { text: old, checks, edit }: CheckedText): number {
  let from = edit.prefix;
  let oldTo = old.length - edit.suffix;
  let to = text.length - edit.suffix;
  if (splitsPair(old, from) || splitsPair(text, from)) from -= 1;
  if (splitsPair(old, oldTo) || splitsPair(text, to)) {
    oldTo += 1;
    to += 1;
  }
  return checks.bytes - utf8ByteLength(old.slice(from, oldTo)) + utf8ByteLength(text.slice(from, to));
}

/** Whether offset `at` of `text` falls between the halves of a surrogate pair. */
function splitsPair(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return false;
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/** UTF-8 size of a string without encoding it (lone surrogates count 3 bytes, as TextEncoder writes them). */
export function utf8ByteLength(text: string): number {
  // A byte per character, plus what the characters past ASCII add: a native search finds those (a
  // loop over every character took 7-11 ms of re-ingesting a 2.9 MB text).
  let bytes = text.length;
  const nonAscii = /[\u0080-\uffff]+/g;
  for (let m = nonAscii.exec(text); m !== null; m = nonAscii.exec(text)) {
    // A run holds both halves of a surrogate pair (neither is ASCII).
    const run = m[0];
    for (let i = 0; i < run.length; i++) {
      const c = run.charCodeAt(i);
      if (c < 0x800) bytes += 1;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < run.length) {
        const next = run.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          bytes += 2; // 4 bytes for the pair's 2 characters
          i += 1;
        } else bytes += 2;
      } else bytes += 2;
    }
  }
  return bytes;
}

/** Control characters that are not text layout (tab, line feed, form feed, carriage return are). */
const isControl = (c: number): boolean =>
  (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f;

function binaryByteOffset(bytes: Uint8Array): number | undefined {
  const nul = bytes.indexOf(0);
  if (nul !== -1) return nul;
  const sample = Math.min(bytes.length, BINARY_SAMPLE);
  let controls = 0;
  let first = -1;
  for (let i = 0; i < sample; i++) {
    if (isControl(bytes[i] as number)) {
      controls += 1;
      if (first === -1) first = i;
    }
  }
  return sample > 0 && controls / sample > BINARY_CONTROL_SHARE ? first : undefined;
}

/** A NUL in `text[nulFrom, nulTo)` (the whole text by default), or mostly control characters at its start. */
function binaryCharOffset(text: string, nulFrom = 0, nulTo = text.length): number | undefined {
  const nul = text.slice(nulFrom, nulTo).indexOf('\u0000');
  if (nul !== -1) return nulFrom + nul;
  const sample = Math.min(text.length, BINARY_SAMPLE);
  let controls = 0;
  let first = -1;
  for (let i = 0; i < sample; i++) {
    if (isControl(text.charCodeAt(i))) {
      controls += 1;
      if (first === -1) first = i;
    }
  }
  return sample > 0 && controls / sample > BINARY_CONTROL_SHARE ? first : undefined;
}

/** 1-based line of a byte offset (counting 0x0a bytes before it). */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line += 1;
  return line;
}

/**
 * Offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). Only called after TextDecoder refused the bytes, which does not
 * say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    // The second byte's range rules out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
    min = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    if (b === 0xed) max = 0x9f;
    if (b === 0xf4) max = 0x8f;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < min || c > max) return i;
      min = 0x80;
      max = 0xbf;
    }
    i += need + 1;
  }
  return bytes.length;
}
