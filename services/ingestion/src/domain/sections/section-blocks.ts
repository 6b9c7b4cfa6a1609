import type { Token, Tokens } from 'marked';
import { commonPrefixLength, commonSuffixLength } from '@autopilot/kernel';

/** A top-level heading block: where it starts, its level and its text as written. */
export interface HeadingBlock {
  readonly start: number;
  readonly level: number;
  readonly rawText: string;
}

/**
 * A link reference definition (`[tag]: href "title"`), as marked reads it: a heading's reference
 * link (`# See [the spec][spec]`) resolves against the definitions of the whole text.
 */
export interface LinkDefinition {
  /** Offset of the top-level block that holds it (the definition, or a block quote or list around it). */
  readonly at: number;
  /** The label, normalised as marked does (lower case, whitespace collapsed). */
  readonly tag: string;
  readonly href: string;
  readonly title?: string;
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
  /**
   * The text's link definitions in document order (the first of a tag counts), so headings outside
   * a re-lexed span still resolve reference links defined anywhere (`linksOf`).
   */
  readonly links: readonly LinkDefinition[];
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
  const read = readFileSpan(text, start, end, lex);
  if (read.end !== end) throw new BlockOffsetMismatch(read.end);
  return { text, ...read.blocks };
}

/**
 * The blocks of `text[start, end)` where `start` begins a file: a YAML front matter block there
 * (`---`, `key: value` lines, `---`, as Jekyll, Hugo and ADR tools write) is one block of content
 * before the first heading, not a rule and a setext heading titled "title: …".
 */
function readFileSpan(
  text: string,
  start: number,
  end: number,
  lex: BlockLexer,
): ReturnType<typeof readTokens> {
  const from = frontMatterEnd(text, start, end);
  const source = from === 0 && end === text.length ? text : text.slice(from, end);
  const read = readTokens(text, lex(source), from);
  if (from === start) return read;
  const { blocks } = read;
  return { ...read, blocks: { ...blocks, contentBefore: blocks.contentBefore + 1, firstContent: start } };
}

/** Front matter longer than this is not looked for: a file that opens with a rule is no front matter. */
const FRONT_MATTER_MAX_CHARS = 16_384;
const FRONT_MATTER_OPEN = /^---[ \t]*\r?\n[ \t]*[\w"'-][^\n:]*:/;
const FRONT_MATTER_CLOSE = /^(---|\.\.\.)[ \t]*$/;

/** Where the front matter that opens `text[start, end)` ends (after its closing line), else `start`. */
export function frontMatterEnd(text: string, start: number, end: number): number {
  if (!FRONT_MATTER_OPEN.test(text.slice(start, Math.min(end, start + 256)))) return start;
  const limit = Math.min(end, start + FRONT_MATTER_MAX_CHARS);
  let line = text.indexOf('\n', start) + 1;
  while (line > 0 && line < limit) {
    const next = text.indexOf('\n', line);
    const lineEnd = next < 0 || next > end ? end : next;
    if (FRONT_MATTER_CLOSE.test(text.slice(line, lineEnd).replace(/\r$/, '')))
      return lineEnd < end ? lineEnd + 1 : end;
    line = next < 0 ? -1 : next + 1;
  }
  return start;
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
export function relexBlocks(
  previous: TextBlocks,
  text: string,
  lex: BlockLexer,
  edit: TextEdit = textEdit(previous.text, text),
): TextBlocks | undefined {
  const old = previous.text;
  if (old === text) return { ...previous, text };
  const { prefix, suffix, delta } = edit;
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

  // From the top, the span starts the file: its front matter is read as lexBlocks reads it.
  const read =
    from === 0 ? readFileSpan(text, 0, until, lex) : readTokens(text, lex(text.slice(from, until)), from);
  if (read.end !== until) return undefined;
  const region = read.blocks;
  const cut = region.headings.findIndex((h) => h.start >= keptAt);
  const regionHeadings = cut === -1 ? region.headings : region.headings.slice(0, cut);
  if (kept < headings.length && region.headings[cut]?.start !== keptAt) return undefined; // swallowed

  // The restart heading must still be one, where it was (a changed setext underline is not).
  if (first >= 0 && region.headings[0]?.start !== from) return undefined;

  const before = Math.max(first, 0);
  // Content before the first heading: the span's when it starts at the top; else as it was (the
  // span starts at a heading, so none of its content is before it).
  const contentBefore = first < 0 ? region.contentBefore : previous.contentBefore;
  // Definitions: those before the span as they were, the span's own (an edit there adds, changes
  // or removes them), those after it moved by the edit.
  const links: LinkDefinition[] = previous.links.filter((l) => l.at < from);
  links.push(...region.links.filter((l) => l.at < keptAt));
  for (const l of previous.links) if (l.at + delta >= keptAt) links.push({ ...l, at: l.at + delta });
  // Joined with concat, each array made at its size: pushed one by one, 19.5k headings and counts
  // grew their arrays again and again (1 MB), and a spread of them all is one call argument each.
  const movedHeadings = new Array<HeadingBlock>(headings.length - kept);
  for (let k = kept; k < headings.length; k++) {
    const h = headings[k]!;
    movedHeadings[k - kept] = { start: h.start + delta, level: h.level, rawText: h.rawText };
  }
  const headingsOut = headings.slice(0, before).concat(regionHeadings, movedHeadings);
  const contentAfter = previous.contentAfter
    .slice(0, before)
    .concat(region.contentAfter.slice(0, regionHeadings.length), previous.contentAfter.slice(kept));

  let firstContent: number;
  if (previous.firstContent !== -1 && previous.firstContent < from) firstContent = previous.firstContent;
  else if (region.firstContent !== -1 && region.firstContent < keptAt) firstContent = region.firstContent;
  else if (previous.firstContent !== -1 && previous.firstContent >= keptAt - delta)
    firstContent = previous.firstContent + delta;
  else if (contentBefore === 0 && contentAfter.every((n) => n === 0)) firstContent = -1;
  // The first content block is after the span, and where was not kept: lex the whole text.
  else return undefined;
  return { text, headings: headingsOut, contentBefore, contentAfter, firstContent, links };
}

/**
 * How a text differs from an earlier one: the lengths of their common prefix and suffix (never
 * overlapping) and the change in length. Everything outside the span between them is unchanged.
 */
export interface TextEdit {
  readonly prefix: number;
  readonly suffix: number;
  readonly delta: number;
}

export function textEdit(old: string, text: string): TextEdit {
  const prefix = commonPrefixLength(old, text);
  const suffix = commonSuffixLength(old, text, prefix);
  return { prefix, suffix, delta: text.length - old.length };
}

/**
 * The definitions as marked's lexer keeps them (`lexer.tokens.links`): by tag, the first in the text
 * counting. Seeded into the lexer that renders the headings, since a re-lex saw only part of the text.
 */
export function linksOf(
  links: readonly LinkDefinition[],
): Record<string, { href: string; title: string | undefined }> {
  const byTag: Record<string, { href: string; title: string | undefined }> = {};
  for (const l of links) if (!Object.hasOwn(byTag, l.tag)) byTag[l.tag] = { href: l.href, title: l.title };
  return byTag;
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
  const links: LinkDefinition[] = [];
  let contentBefore = 0;
  let firstContent = -1;
  let offset = start;
  for (const token of tokens) {
    if (!text.startsWith(token.raw, offset)) throw new BlockOffsetMismatch(offset);
    collectDefinitions(token, offset, links);
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
  return { blocks: { headings, contentBefore, contentAfter, firstContent, links }, end: offset };
}

/**
 * The link definitions of a top-level token, in order: itself, or those marked read inside a block
 * quote or list item (they count for the whole text too). Only blocks whose text may hold one are
 * walked.
 */
function collectDefinitions(token: Token, at: number, into: LinkDefinition[]): void {
  if (token.type === 'def') {
    const def = token as Tokens.Def;
    into.push({ at, tag: def.tag, href: def.href, ...(def.title !== undefined ? { title: def.title } : {}) });
    return;
  }
  if (!token.raw.includes(']:')) return;
  if (token.type === 'blockquote') {
    for (const inner of (token as Tokens.Blockquote).tokens) collectDefinitions(inner, at, into);
  } else if (token.type === 'list') {
    for (const item of (token as Tokens.List).items)
      for (const inner of item.tokens) collectDefinitions(inner, at, into);
  }
}
