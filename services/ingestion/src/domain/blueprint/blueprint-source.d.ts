import { type SourceFile } from './text-position';
/**
 * Checks a submitted blueprint before anything is parsed or stored. Bytes (from files) are decoded
 * here; text (from a command) is checked here. Each problem is a `BlueprintRejectedError` naming the
 * file and the byte offset or line. Headings-only needs the parse and is checked in `parseBlueprint`.
 */
/** 8 MiB: the default size limit, in UTF-8 bytes. */
export declare const DEFAULT_MAX_BLUEPRINT_BYTES: number;
/**
 * What one blueprint message can carry (contracts' `BlueprintText`, 16 Mi characters, enough for
 * the default byte limit): a text past it could be stored but never announced, so it is refused
 * up front when a larger byte limit is configured.
 */
export declare const MAX_BLUEPRINT_CHARS: number;
/** Nesting of block quotes and lists the parser is given; real documents stay under ten. */
export declare const DEFAULT_MAX_NESTING = 64;
export interface BlueprintLimits {
    /** Refuse texts larger than this many UTF-8 bytes. Default `DEFAULT_MAX_BLUEPRINT_BYTES`. */
    maxBytes?: number;
    /** Refuse block quotes and lists nested deeper than this. Default `DEFAULT_MAX_NESTING`. */
    maxNesting?: number;
}
/**
 * Decodes a file's bytes as UTF-8 (a leading BOM is dropped). Throws `BlueprintRejectedError`:
 * TOO_LARGE, BINARY (a NUL byte or mostly control bytes) or INVALID_UTF8 with the byte offset and
 * line of the first bad sequence. Empty files decode to '' (the caller decides whether that is an error).
 */
export declare function decodeBlueprintBytes(bytes: Uint8Array, file: string, limits?: BlueprintLimits): string;
/** True when the bytes look binary: a NUL byte, or mostly control bytes at the start. */
export declare function looksBinary(bytes: Uint8Array): boolean;
/**
 * The text as it is stored and parsed: a leading BOM dropped and line endings made `\n` (the parser
 * sees only `\n`, and offsets must point into the very string it saw). The digest is of this text.
 */
export declare function normalizeBlueprintText(text: string): string;
/**
 * Checks a normalized text: EMPTY, TOO_LARGE, BINARY (NUL or mostly control characters) and TOO_DEEP
 * (naming the line). `files` locates a problem in a multi-file blueprint; `label` names a single one.
 */
export declare function checkBlueprintText(text: string, where: {
    files?: readonly SourceFile[];
    label?: string;
}, limits?: BlueprintLimits): void;
/** UTF-8 size of a string without encoding it (lone surrogates count 3 bytes, as TextEncoder writes them). */
export declare function utf8ByteLength(text: string): number;
/**
 * Offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF). Only called after TextDecoder refused the bytes, which does not
 * say where.
 */
export declare function firstInvalidUtf8(bytes: Uint8Array): number;
//# sourceMappingURL=blueprint-source.d.ts.map