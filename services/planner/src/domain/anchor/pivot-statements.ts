/**
 * Quoting statements out of blueprint text: bullets, table rows and sentences, each kept verbatim
 * with its `[start, end)` offsets so `text.slice(start, end)` is exactly the statement. The scans are
 * single passes that stop as soon as they have what they need, so a 3 MB blueprint costs one linear
 * walk at most (DESIGN.md section 10: blueprint handling must be linear).
 */

/** A statement quoted from the blueprint. */
export interface QuotedStatement {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** The heading or label the statement sits under. */
  readonly heading: string;
  readonly truncated: boolean;
}

/** Longest statement kept; a longer passage is cut at a word boundary (and flagged truncated). */
export const STATEMENT_MAX_CHARS = 300;

const HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TABLE_SEPARATOR = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const BULLET = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/;
const HAS_WORD = /[\p{L}\p{N}]/u;
/** Words after which a full stop does not end a sentence. */
const ABBREVIATIONS = new Set(['e.g', 'i.e', 'etc', 'vs', 'cf', 'approx', 'incl', 'no', 'mr', 'ms', 'dr']);

/**
 * Walks lines of `text` in `[from, to)` and calls `visit` with each line's bounds and whether it lies
 * inside a code fence (fence lines themselves count as inside). `visit` returns false to stop early.
 * `fence` is the marker of the fence open at `from` (none by default); returns the marker of the
 * fence open where the walk stopped, so a walk over consecutive stretches reads them as one.
 */
export function forEachLine(
  text: string,
  from: number,
  to: number,
  visit: (start: number, end: number, inFence: boolean) => boolean,
  fence?: string,
): string | undefined {
  let pos = from;
  while (pos < to) {
    let end = text.indexOf('\n', pos);
    if (end === -1 || end > to) end = to;
    // Only a short prefix is inspected for fences, and only when the line can open one.
    const marker = mayOpenFence(text, pos, end)
      ? FENCE.exec(text.slice(pos, Math.min(end, pos + 16)))?.[1]
      : undefined;
    let inFence = fence !== undefined;
    if (marker !== undefined) {
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      inFence = true;
    }
    if (!visit(pos, end, inFence)) return fence;
    pos = end + 1;
  }
  return fence;
}

/** Whether the line at `pos` starts (after up to three spaces) with a backtick or a tilde. */
function mayOpenFence(text: string, pos: number, end: number): boolean {
  let i = pos;
  while (i < end && i < pos + 3 && text.charCodeAt(i) === 32) i++;
  const c = text.charCodeAt(i);
  return i < end && (c === 96 || c === 126);
}

/**
 * Up to `limit` statements from the body `[from, to)` of a section titled `heading`: each bullet
 * and table row is one statement, paragraphs are split into sentences. Code fences, headings,
 * table separators and HTML comments are skipped; so is a paragraph that turns out to be a setext
 * heading.
 */
export function statementsIn(
  text: string,
  from: number,
  to: number,
  heading: string,
  limit: number,
): QuotedStatement[] {
  const out: QuotedStatement[] = [];
  let paraStart = -1;
  let paraEnd = -1;
  let bulletOpen = false;
  const flush = () => {
    if (paraStart >= 0) {
      // A list item is one statement, however many sentences it has.
      if (bulletOpen) pushStatement(text, paraStart, paraEnd, heading, out);
      else sentencesIn(text, paraStart, paraEnd, heading, limit, out);
    }
    paraStart = -1;
    bulletOpen = false;
  };
  forEachLine(text, from, to, (lineStart, lineEnd, inFence) => {
    if (inFence) {
      flush();
      return out.length < limit;
    }
    const line = text.slice(lineStart, lineEnd);
    const blank = line.trim().length === 0;
    if (blank || HEADING.test(line) || line.trimStart().startsWith('<!--')) {
      flush();
    } else if (SETEXT_UNDERLINE.test(line) || TABLE_SEPARATOR.test(line)) {
      // The paragraph above a setext underline is a heading, not a statement.
      if (SETEXT_UNDERLINE.test(line)) paraStart = -1;
      else flush();
    } else {
      const bullet = BULLET.exec(line);
      if (bullet !== null || line.trimStart().startsWith('|')) {
        flush();
        const offset = bullet !== null ? bullet[0].length : line.length - line.trimStart().length;
        if (bullet !== null) {
          // A hard-wrapped item is one statement: its continuation lines are read as its paragraph.
          paraStart = lineStart + offset;
          paraEnd = lineEnd;
          bulletOpen = true;
        } else pushStatement(text, lineStart + offset, lineEnd, heading, out);
      } else {
        if (paraStart < 0) paraStart = lineStart + (line.length - line.trimStart().length);
        paraEnd = lineEnd;
      }
    }
    return out.length < limit;
  });
  if (out.length < limit) flush();
  return out.slice(0, limit);
}

/** Splits `[from, to)` into sentences (ending at . ! ? before whitespace) and pushes each. */
function sentencesIn(
  text: string,
  from: number,
  to: number,
  heading: string,
  limit: number,
  out: QuotedStatement[],
): void {
  let start = from;
  for (let i = from; i < to && out.length < limit; i++) {
    const c = text.charCodeAt(i);
    // '.', '!', '?' followed by whitespace or the end of the paragraph.
    if (c !== 46 && c !== 33 && c !== 63) continue;
    const next = i + 1 < to ? text.charCodeAt(i + 1) : 32;
    if (next !== 32 && next !== 10 && next !== 9 && next !== 13) continue;
    if (c === 46 && isAbbreviation(text, start, i)) continue;
    pushStatement(text, start, i + 1, heading, out);
    start = i + 1;
  }
  if (out.length < limit) pushStatement(text, start, to, heading, out);
}

function isAbbreviation(text: string, sentenceStart: number, dot: number): boolean {
  let wordStart = dot;
  while (wordStart > sentenceStart && dot - wordStart < 8 && !/\s/.test(text[wordStart - 1] ?? ' '))
    wordStart--;
  const word = text
    .slice(wordStart, dot)
    .toLowerCase()
    .replace(/^[("'`*_]+/, '');
  return word.length === 1 || ABBREVIATIONS.has(word);
}

/** Trims `[start, end)`, cuts it to STATEMENT_MAX_CHARS at a word boundary and keeps it if it says something. */
function pushStatement(
  text: string,
  start: number,
  end: number,
  heading: string,
  out: QuotedStatement[],
): void {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (end <= start) return;
  let truncated = false;
  if (end - start > STATEMENT_MAX_CHARS) {
    truncated = true;
    let cut = start + STATEMENT_MAX_CHARS;
    // Never split a surrogate pair.
    if (isLowSurrogate(text.charCodeAt(cut))) cut--;
    let space = cut;
    while (space > start + STATEMENT_MAX_CHARS / 2 && !isSpace(text.charCodeAt(space))) space--;
    end = space > start + STATEMENT_MAX_CHARS / 2 ? space : cut;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  }
  const quoted = text.slice(start, end);
  if (!HAS_WORD.test(quoted)) return;
  out.push({ text: quoted, start, end, heading, truncated });
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
