import type { Token } from 'marked';

/** A top-level heading block: where it starts, its level and its text as written. */
export interface HeadingBlock {
  readonly start: number;
  readonly level: number;
  readonly rawText: string;
}

/**
 * What the section tree needs of a text's top-level blocks: its headings, and how many blocks of
 * content sit before the first heading and after each one. Kept per blueprint after a parse, so
 * the next version re-lexes only what changed (`relexBlocks`).
 */
export interface TextBlocks {
  /** The text these blocks are of. */
  readonly text: string;
  readonly headings: readonly HeadingBlock[];
  /** Content blocks before the first heading. */
  readonly contentBefore: number;
  /** Content blocks after heading i, up to heading i + 1. */
  readonly contentAfter: readonly number[];
  /** Offset of the first content block, -1 when there is none. */
  readonly firstContent: number;
}

/** marked's top-level block tokens of a source string (the caller handles the lexer's errors). */
export type BlockLexer = (source: string) => Token[];

/** Blocks that are not content: headings, blank lines, rules and link definitions. */
const NOT_CONTENT = new Set(['heading', 'space', 'hr', 'def']);

/** The lexer and the code disagreed on offsets: reported by the caller as a bug. */
export class BlockOffsetMismatch {
  constructor(readonly offset: number) {}
}

/**
 * The blocks of `text[start, end)`, offsets into `text`. Throws BlockOffsetMismatch when the
 * tokens do not add up to the text.
 */
export function lexBlocks(text: string, start: number, end: number, lex: BlockLexer): TextBlocks {
  const source = start === 0 && end === text.length ? text : text.slice(start, end);
  const read = readTokens(text, lex(source), start);
  if (read.end !== end) throw new BlockOffsetMismatch(read.end);
  return { text, ...read.blocks };
}

/**
 * The blocks of `text`, from those of an earlier version of it: only the top-level sections around
 * the change are lexed again (issue 17: re-ingesting after a one-section edit lexed 2.9 MB to read
 * a few hundred bytes). The change is the span between the texts' common prefix and suffix; it is
 * re-lexed from the last heading whose line lies wholly before it, up to the first heading after
 * it, and the lexer must end that span at that heading (an edit that opens a code fence swallows
 * what follows: then nothing is reused). Returns undefined when the earlier blocks cannot be
 * reused; the caller lexes the whole text. Equal to `lexBlocks(text, 0, text.length)` otherwise.
 */
export function relexBlocks(previous: TextBlocks, text: string, lex: BlockLexer): TextBlocks | undefined {
  const old = previous.text;
  if (old === text) return { ...previous, text };
  const limit = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < limit && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < limit - prefix &&
    old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)
  )
    suffix++;
  const delta = text.length - old.length;
  const { headings } = previous;

  // The first heading re-lexed: the last whose first line ends before the change (-1: from the top).
  let first = lastHeadingBefore(headings, prefix);
  while (first >= 0 && lineEnd(old, headings[first]!.start) >= prefix) first--;
  const from = first >= 0 ? headings[first]!.start : 0;
  // The first heading kept: the first that starts in the unchanged suffix (none: lex to the end).
  let kept = first + 1;
  while (kept < headings.length && headings[kept]!.start < old.length - suffix) kept++;
  const keptAt = kept < headings.length ? headings[kept]!.start + delta : text.length;
  // Lexed up to the heading after the kept one, so the kept heading's token is whole.
  const until = kept + 1 < headings.length ? headings[kept + 1]!.start + delta : text.length;

  const read = readTokens(text, lex(text.slice(from, until)), from);
  if (read.end !== until) return undefined;
  const region = read.blocks;
  const cut = region.headings.findIndex((h) => h.start >= keptAt);
  const regionHeadings = cut === -1 ? region.headings : region.headings.slice(0, cut);
  if (kept < headings.length && region.headings[cut]?.start !== keptAt) return undefined; // swallowed

  // The restart heading must still be one, where it was (a changed setext underline is not).
  if (first >= 0 && region.headings[0]?.start !== from) return undefined;

  const before = Math.max(first, 0);
  const headingsOut: HeadingBlock[] = headings.slice(0, before);
  const contentAfter = previous.contentAfter.slice(0, before);
  // Content before the first heading: the span's when it starts at the top; else as it was (the
  // span starts at a heading, so none of its content is before it).
  const contentBefore = first < 0 ? region.contentBefore : previous.contentBefore;
  headingsOut.push(...regionHeadings);
  contentAfter.push(...region.contentAfter.slice(0, regionHeadings.length));
  for (let k = kept; k < headings.length; k++) {
    const h = headings[k]!;
    headingsOut.push({ start: h.start + delta, level: h.level, rawText: h.rawText });
  }
  contentAfter.push(...previous.contentAfter.slice(kept));

  let firstContent: number;
  if (previous.firstContent !== -1 && previous.firstContent < from) firstContent = previous.firstContent;
  else if (region.firstContent !== -1 && region.firstContent < keptAt) firstContent = region.firstContent;
  else if (previous.firstContent !== -1 && previous.firstContent >= keptAt - delta)
    firstContent = previous.firstContent + delta;
  else if (contentBefore === 0 && contentAfter.every((n) => n === 0)) firstContent = -1;
  // The first content block is after the span, and where was not kept: lex the whole text.
  else return undefined;
  return { text, headings: headingsOut, contentBefore, contentAfter, firstContent };
}

/** Index of the last heading starting at or before `offset`, -1 when none does. */
function lastHeadingBefore(headings: readonly HeadingBlock[], offset: number): number {
  let lo = 0;
  let hi = headings.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headings[mid]!.start <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

/** Headings and content counts of tokens lexed from `text` at `start`; where the tokens end. */
function readTokens(
  text: string,
  tokens: Token[],
  start: number,
): { blocks: Omit<TextBlocks, 'text'>; end: number } {
  const headings: HeadingBlock[] = [];
  const contentAfter: number[] = [];
  let contentBefore = 0;
  let firstContent = -1;
  let offset = start;
  for (const token of tokens) {
    if (!text.startsWith(token.raw, offset)) throw new BlockOffsetMismatch(offset);
    if (token.type === 'heading') {
      headings.push({ start: offset, level: (token as { depth: number }).depth, rawText: token.text ?? '' });
      contentAfter.push(0);
    } else if (!NOT_CONTENT.has(token.type)) {
      if (headings.length === 0) contentBefore += 1;
      else contentAfter[contentAfter.length - 1]! += 1;
      if (firstContent === -1) firstContent = offset;
    }
    offset += token.raw.length;
  }
  // Tokens are dropped here: only offsets and heading texts outlive the lexer's block pass.
  tokens.length = 0;
  return { blocks: { headings, contentBefore, contentAfter, firstContent }, end: offset };
}
