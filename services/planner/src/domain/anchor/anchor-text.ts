import type { AnchorPivot } from '@autopilot/contracts';

/**
 * The compact anchor text injected into prompts. The contract caps it at 2048 characters; we cap
 * the UTF-8 bytes (what a prompt budget counts) and keep a margin below 2 KB for the separator a
 * prompt template puts around it.
 */
export const ANCHOR_TEXT_MAX_BYTES = 2000;

/** Longest entry of the anchor's `pivots` list (the contract caps entries at 500 characters). */
export const PIVOT_LINE_MAX_CHARS = 500;

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;
const UNSTATED_PREFIX = 'Unstated (ask, do not assume): ';

/** The rendered anchor: the whole text, and one line per stated pivot. */
export interface RenderedAnchorText {
  readonly text: string;
  readonly pivotLines: readonly string[];
}

/**
 * Renders the stated pivots as `Label: statement; statement` lines, then one line naming the
 * unstated pivots, within `maxBytes`. Short pivots keep all their words; the bytes they leave over go
 * to the longer ones (equal shares, filled smallest first), and every cut falls on a word boundary
 * with an ellipsis. So the text stays within the budget whatever the size of the blueprint.
 */
export function renderAnchorText(
  pivots: readonly AnchorPivot[],
  maxBytes = ANCHOR_TEXT_MAX_BYTES,
): RenderedAnchorText {
  const stated = pivots.filter((p) => p.statements.length > 0);
  const unstated = pivots.filter((p) => p.statements.length === 0);
  const unstatedLine =
    unstated.length > 0 ? `${UNSTATED_PREFIX}${unstated.map((p) => p.label).join('; ')}.` : '';

  const prefixes = stated.map((p) => `${p.label}: `);
  const lineCount = stated.length + (unstatedLine ? 1 : 0);
  const fixed =
    prefixes.reduce((sum, prefix) => sum + utf8Length(prefix), 0) +
    utf8Length(unstatedLine) +
    Math.max(0, lineCount - 1);
  const contents = stated.map((p) => condense(p.statements));
  const shares = shareBytes(
    contents.map((c) => utf8Length(c)),
    Math.max(0, maxBytes - fixed),
  );
  const lines = stated.map((_, i) => `${prefixes[i]}${truncateUtf8(contents[i] ?? '', shares[i] ?? 0)}`);
  const all = unstatedLine ? [...lines, unstatedLine] : lines;
  // The shares already fit; the final cut only guards against a label set too long for the budget.
  const text = truncateUtf8(all.join('\n'), maxBytes);
  return { text, pivotLines: lines.map((line) => truncateChars(line, PIVOT_LINE_MAX_CHARS)) };
}

/**
 * Statements joined for reading: whitespace collapsed, Markdown emphasis markers dropped, a cut one
 * ended with an ellipsis, and the work bounded (only as much of each statement as could ever fit is
 * looked at).
 */
function condense(statements: AnchorPivot['statements']): string {
  let joined = '';
  for (const statement of statements) {
    if (joined.length > ANCHOR_TEXT_MAX_BYTES * 2) break;
    const words = withoutEmphasis(statement.text.slice(0, ANCHOR_TEXT_MAX_BYTES))
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/[;,]$/, '');
    if (!words) continue;
    // A statement cut at its length cap (STATEMENT_MAX_CHARS) says so: "a person or an" is not
    // what the blueprint said.
    const part = statement.truncated ? `${words}${ELLIPSIS}` : words;
    // A statement that ends a sentence needs no separator beyond a space.
    if (joined) joined += /[.!?]$/.test(joined) ? ' ' : '; ';
    joined += part;
  }
  return joined;
}

/** Drops `**` and `__` emphasis markers, but not inside `code` spans, where `infra/**` is a glob. */
function withoutEmphasis(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/\*\*|__/g, '') : part))
    .join('`');
}

/**
 * Splits `total` bytes among entries wanting `wants[i]`: each gets min(want, equal share), the
 * smallest first, so what a short entry does not use goes to the longer ones.
 */
export function shareBytes(wants: readonly number[], total: number): number[] {
  const order = wants.map((want, i) => ({ want, i })).sort((a, b) => a.want - b.want || a.i - b.i);
  const shares = new Array<number>(wants.length).fill(0);
  let remaining = total;
  let left = wants.length;
  for (const { want, i } of order) {
    const share = Math.min(want, Math.floor(remaining / left));
    shares[i] = share;
    remaining -= share;
    left--;
  }
  return shares;
}

/** Bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * `text` within `maxBytes` of UTF-8: unchanged when it fits, else cut at the last word boundary
 * (or mid-word when a single word is longer than half the room) and ended with an ellipsis.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  if (maxBytes < ELLIPSIS_BYTES) return '';
  const room = maxBytes - ELLIPSIS_BYTES;
  let bytes = 0;
  let cut = 0;
  while (cut < text.length) {
    const c = text.charCodeAt(cut);
    const pair = c >= 0xd800 && c <= 0xdbff;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > room) break;
    bytes += size;
    cut += pair ? 2 : 1;
  }
  return cutAtWord(text, cut) + ELLIPSIS;
}

function truncateChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let cut = maxChars - ELLIPSIS.length;
  const c = text.charCodeAt(cut);
  if (c >= 0xdc00 && c <= 0xdfff) cut--;
  return cutAtWord(text, cut) + ELLIPSIS;
}

/** `text` before `cut`, moved back to a word boundary when one is in the second half. */
function cutAtWord(text: string, cut: number): string {
  if (cut >= text.length) return text;
  const atBoundary = /\s/.test(text[cut] ?? ' ');
  let end = cut;
  if (!atBoundary) {
    const space = text.lastIndexOf(' ', cut);
    if (space > cut / 2) end = space;
  }
  return text
    .slice(0, end)
    .replace(/[\s;,:]+$/, '')
    .trimEnd();
}
