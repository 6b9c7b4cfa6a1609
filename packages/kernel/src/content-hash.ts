import { createHash } from 'node:crypto';

/**
 * A content hash as a function: the same text gives the same lowercase hex digest in every process
 * and on every run. Domain code may not import `node:crypto` (STYLE.md section 2), so it receives
 * one as data (an option or a parameter) and `app/` or an adapter passes `sha256Hex`.
 */
export type ContentHash = (text: string) => string;

/** SHA-256 of `text` encoded as UTF-8, as 64 lowercase hex digits. */
export const sha256Hex: ContentHash = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
