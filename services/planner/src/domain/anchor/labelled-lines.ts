import { BLUEPRINT_STATEMENTS_PER_PIVOT, PIVOT_TYPES, pivotsNamedBy, type PivotType } from './pivot-types';
import { forEachLine, statementsIn, type QuotedStatement } from './pivot-statements';

/**
 * `Label: statement` lines, such as `**Budget:** $200 a month` or `- Non-goals: mobile apps`: a label
 * of one to four words naming a pivot, a colon, then the statement. Read either over the whole text
 * (`labelledStatements`) or one stretch of it at a time (`scanLabelledStretch`, for
 * labelled-reading.ts); both take the same statements.
 */

/** A labelled line: the pivots its label names and the statement quoted from it. */
export interface LabelledLine {
  readonly types: readonly PivotType[];
  /** Offsets counted from the start of the stretch the line was read in. */
  readonly statement: QuotedStatement;
}

/** What one stretch of a text (whole lines) holds for the anchor, whichever pivots already have plenty. */
export interface LabelledStretch {
  /** Marker of the code fence open at the end of the stretch. */
  readonly fenceOut: string | undefined;
  /**
   * How far the text was read: the stretch's end, or further where a wrapped statement might go
   * on; one past the end of the text where the reading stopped only because the text ended.
   */
  readonly readTo: number;
  readonly lines: readonly LabelledLine[];
}

/**
 * Only the first characters of each line are matched, so the pass stays linear however long the
 * lines are.
 */
const LABELLED_LINE =
  /^ {0,3}(?:[-*+][ \t]+)?(?:\*\*|__)?([A-Za-z][A-Za-z&/-]*(?:[ \t][A-Za-z&/-]+){0,3})(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]+\S/;
const LABEL_PREFIX_CHARS = 80;
const BULLET = /^ {0,3}[-*+][ \t]+/;

/**
 * The first colon at or after a position, found once per stretch of colon-free text rather than once
 * per line (searching from every line would rescan such text over and over). Positions asked for
 * mostly increase; a position before the last search searches again.
 */
export class ColonCursor {
  private searchedFrom = Number.POSITIVE_INFINITY;
  private found = -1;

  constructor(private readonly text: string) {}

  /** Offset of the first `:` at or after `pos`, or -1 when there is none. */
  at(pos: number): number {
    if (pos < this.searchedFrom || (this.found !== -1 && this.found < pos)) {
      this.searchedFrom = pos;
      this.found = this.text.indexOf(':', pos);
    }
    return this.found;
  }
}

const PIVOT_COUNT = PIVOT_TYPES.length;

/** Takes labelled statements in document order, at most BLUEPRINT_STATEMENTS_PER_PIVOT per pivot. */
export class LabelledPicks {
  readonly found: Array<[PivotType[], QuotedStatement]> = [];
  private readonly full = new Set<PivotType>();

  /** Whether every pivot has plenty: later lines are not read. */
  get done(): boolean {
    return this.full.size >= PIVOT_COUNT;
  }

  /** A line labelled for `named`; `quote` is asked only when a pivot still wants statements. */
  offer(named: readonly PivotType[], quote: () => QuotedStatement | undefined): void {
    const types = named.filter((t) => !this.full.has(t));
    if (types.length === 0) return;
    const quoted = quote();
    if (quoted === undefined) return;
    // A long run of labelled lines (one per story, say) stops counting once a pivot has plenty.
    this.found.push([types, quoted]);
    for (const t of types) {
      if (this.found.filter(([ts]) => ts.includes(t)).length >= BLUEPRINT_STATEMENTS_PER_PIVOT) {
        this.full.add(t);
      }
    }
  }
}

/** The labelled statements of the whole text, in document order. */
export function labelledStatements(text: string): Array<[PivotType[], QuotedStatement]> {
  const picks = new LabelledPicks();
  const colons = new ColonCursor(text);
  forEachLine(text, 0, text.length, (start, end, inFence) => {
    if (inFence) return true;
    const colon = colons.at(start);
    // No colon left: no labelled line either.
    if (colon === -1) return false;
    if (colon >= end || colon >= start + LABEL_PREFIX_CHARS) return true;
    const label = labelAt(text, start, end, colons);
    if (label === undefined) return true;
    picks.offer(label.types, () => quoteLabelled(text, start, end, label).statement);
    return !picks.done;
  });
  return picks.found;
}

/** Reads the labelled lines of the stretch `[start, end)` of `text` (whole lines), all of them. */
export function scanLabelledStretch(
  text: string,
  start: number,
  end: number,
  fenceIn: string | undefined,
  colons: ColonCursor,
): LabelledStretch {
  const lines: LabelledLine[] = [];
  // A last line with no newline after it runs to the end of the text: more text would lengthen it.
  let readTo = end === text.length ? end + 1 : end;
  const fenceOut = forEachLine(
    text,
    start,
    end,
    (lineStart, lineEnd, inFence) => {
      if (inFence) return true;
      const colon = colons.at(lineStart);
      if (colon === -1 || colon >= lineEnd || colon >= lineStart + LABEL_PREFIX_CHARS) return true;
      const label = labelAt(text, lineStart, lineEnd, colons);
      if (label === undefined || label.types.length === 0) return true;
      const quoted = quoteLabelled(text, lineStart, lineEnd, label);
      readTo = Math.max(readTo, quoted.readTo);
      if (quoted.statement !== undefined) {
        lines.push({ types: label.types, statement: shiftedStatement(quoted.statement, -start) });
      }
      return true;
    },
    fenceIn,
  );
  return { fenceOut, readTo, lines };
}

/** `statement` quoted `delta` characters further on (the same words, moved by `delta`). */
export function shiftedStatement(statement: QuotedStatement, delta: number): QuotedStatement {
  if (delta === 0) return statement;
  return { ...statement, start: statement.start + delta, end: statement.end + delta };
}

interface Label {
  readonly label: string;
  readonly types: PivotType[];
  readonly head: string;
}

/** The label the line `[start, end)` opens with and the pivots it names, if it is a labelled line. */
function labelAt(text: string, start: number, end: number, colons: ColonCursor): Label | undefined {
  const headEnd = Math.min(end, start + LABEL_PREFIX_CHARS);
  const colon = colons.at(start);
  if (colon === -1 || colon >= headEnd) return undefined;
  const head = text.slice(start, headEnd);
  const match = LABELLED_LINE.exec(head);
  if (match === null) return undefined;
  const label = match[1] ?? '';
  return { label, types: pivotsNamedBy(label), head };
}

/**
 * The statement of a labelled line ending at `end`: a hard-wrapped statement goes on to the end of
 * its paragraph or list item. `readTo`: how far the text was read to find that end.
 */
function quoteLabelled(
  text: string,
  start: number,
  end: number,
  { label, head }: Label,
): { statement: QuotedStatement | undefined; readTo: number } {
  const bullet = BULLET.exec(head);
  const stop = wrappedEnd(text, end);
  const statement = statementsIn(text, start + (bullet?.[0].length ?? 0), stop, label, 1)[0];
  // wrappedEnd read the line after `stop`, its newline included, to see that the statement ends
  // there (or stopped at its line limit; counting that line too is merely cautious). Reaching the
  // end of the text, it read that nothing follows: more text would change it.
  const after = stop < text.length ? text.indexOf('\n', stop + 1) : -1;
  return { statement, readTo: after === -1 ? text.length + 1 : after + 1 };
}

/**
 * Where the paragraph or list item whose first line ends at `lineEnd` ends: at the next blank line,
 * heading, list item, fence, table row or quote. Bounded, like the statements it feeds.
 */
export function wrappedEnd(text: string, lineEnd: number): number {
  let end = lineEnd;
  for (let lines = 0; lines < 20 && end < text.length; lines++) {
    const next = text.indexOf('\n', end + 1);
    const lineStop = next === -1 ? text.length : next;
    const line = text.slice(end + 1, lineStop);
    if (line.trim() === '' || /^ {0,3}(#{1,6}[ \t]|[-*+][ \t]|\d{1,9}[.)][ \t]|`{3,}|~{3,}|\||>)/.test(line))
      break;
    end = lineStop;
  }
  return end;
}
