import { commonPrefixLength, commonSuffixLength } from '@autopilot/kernel';
import {
  ColonCursor,
  LabelledPicks,
  scanLabelledStretch,
  shiftedStatement,
  type LabelledLine,
} from './labelled-lines';
import type { QuotedStatement } from './pivot-statements';
import type { PivotType } from './pivot-types';

/**
 * The labelled lines of a text read stretch by stretch, reusing what was read in an earlier version
 * of it: the stretches before the first changed character are taken as they were read, and so are
 * those after the last changed character (moved by the change in length), from the first one where
 * the same code fence is open; only the stretches in between are read again. So an edit costs a
 * read of the stretches it touched (several edits far apart: of everything between them), and the
 * statements are the ones a read of the whole text takes.
 */

/**
 * What was read in one text, stretch by stretch in order, up to where the reading stopped. Numbers
 * per stretch are kept in typed arrays: most of them are copied to the next reading, in bulk.
 */
export interface LabelledReading {
  readonly text: string;
  /** Where each stretch starts, then where the last one ends. */
  readonly starts: Int32Array;
  /** The code fence open at each of `starts`, as `fenceCode` gives it. */
  readonly fences: Int32Array;
  /** Per stretch: how far its reading read (LabelledStretch.readTo). */
  readonly readTo: Int32Array;
  /** Per stretch, then one more: the index of its first line in `lines`. */
  readonly firstLines: Int32Array;
  /** Offsets counted from the start of their stretch. */
  readonly lines: readonly LabelledLine[];
  /** Per line: the index of its stretch. */
  readonly lineStretches: readonly number[];
}

/**
 * The labelled statements of `text` in document order, and what was read for the next version.
 * `boundAfter(pos)`: where a stretch read anew from `pos` (a line start) ends: a line start after
 * `pos`, or the end of the text.
 */
export function readLabelled(
  text: string,
  boundAfter: (pos: number) => number,
  previous: LabelledReading | undefined,
): { statements: Array<[PivotType[], QuotedStatement]>; reading: LabelledReading } {
  const picks = new LabelledPicks();
  const colons = new ColonCursor(text);
  const read = new ReadingBuilder(text);
  /** Takes `from`'s stretches [first, last) moved by `delta`; where it stopped (earlier once done). */
  const reuse = (from: LabelledReading, first: number, last: number, delta: number): number => {
    let stop = last;
    for (let k = from.firstLines[first]!; k < from.firstLines[last]! && stop === last; k++) {
      const line = from.lines[k]!;
      const stretch = from.lineStretches[k]!;
      const start = from.starts[stretch]! + delta;
      picks.offer(line.types, () => shiftedStatement(line.statement, start));
      if (picks.done) stop = stretch + 1;
    }
    read.copy(from, first, stop, delta);
    return stop;
  };

  let pos = 0;
  let fence: string | undefined;
  // The previous stretches after the change (from `next` on), moved by `delta`.
  let next = 0;
  let count = 0;
  let delta = 0;
  if (previous !== undefined) {
    const same = commonPrefixLength(previous.text, text);
    const sameEnd = commonSuffixLength(previous.text, text, same);
    count = previous.starts.length - 1;
    delta = text.length - previous.text.length;
    let i = 0;
    while (i < count && previous.starts[i + 1]! <= same && previous.readTo[i]! <= same) i++;
    i = reuse(previous, 0, i, 0);
    pos = previous.starts[i]!;
    fence = fenceOf(previous.fences[i]!);
    next = i;
    while (next < count && !startsAgain(previous, next, text, delta, previous.text.length - sameEnd)) next++;
  }

  while (pos < text.length && !picks.done) {
    while (next < count && previous!.starts[next]! + delta < pos) next++;
    if (next < count && previous!.starts[next]! + delta === pos) {
      if (previous!.fences[next] === fenceCode(fence)) {
        next = reuse(previous!, next, count, delta);
        pos = previous!.starts[next]! + delta;
        fence = fenceOf(previous!.fences[next]!);
        continue;
      }
      // Another fence is open here now: this stretch reads differently, the next may not.
      next++;
    }
    // No colon left: no labelled line either (the whole read stops here too).
    if (colons.at(pos) === -1) break;
    let end = boundAfter(pos);
    if (next < count) end = Math.min(end, previous!.starts[next]! + delta);
    const stretch = scanLabelledStretch(text, pos, end, fence, colons);
    read.stretch(pos, fence, stretch.readTo, stretch.lines);
    for (const line of stretch.lines) picks.offer(line.types, () => shiftedStatement(line.statement, pos));
    pos = end;
    fence = stretch.fenceOut;
  }
  return { statements: picks.found, reading: read.finish(pos, fence) };
}

/**
 * Whether the previous stretch `index` lies in the text both versions end with (from `sameFrom` of
 * the previous text on) and still starts a line, moved by `delta`.
 */
function startsAgain(
  previous: LabelledReading,
  index: number,
  text: string,
  delta: number,
  sameFrom: number,
): boolean {
  const start = previous.starts[index]!;
  const moved = start + delta;
  return start >= sameFrom && (moved === 0 || text.charCodeAt(moved - 1) === 10);
}

/**
 * A fence marker (a run of three or more backticks or tildes, FENCE in pivot-statements.ts) as a
 * number: its length, negative for tildes; 0 for none.
 */
function fenceCode(marker: string | undefined): number {
  if (marker === undefined) return 0;
  return marker.startsWith('~') ? -marker.length : marker.length;
}

function fenceOf(code: number): string | undefined {
  if (code === 0) return undefined;
  return code > 0 ? '`'.repeat(code) : '~'.repeat(-code);
}

/** Whole numbers appended one by one or a run at a time, into a typed array that grows. */
class Int32List {
  private items = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    this.room(1);
    this.items[this.length++] = value;
  }

  /** Appends `from[first..last)`, each plus `add`. */
  append(from: Int32Array, first: number, last: number, add: number): void {
    this.room(last - first);
    const items = this.items;
    let j = this.length;
    for (let i = first; i < last; i++) items[j++] = from[i]! + add;
    this.length = j;
  }

  done(): Int32Array {
    return this.items.subarray(0, this.length);
  }

  private room(more: number): void {
    if (this.length + more <= this.items.length) return;
    const grown = new Int32Array(Math.max(this.items.length * 2, this.length + more));
    grown.set(this.items.subarray(0, this.length));
    this.items = grown;
  }
}

class ReadingBuilder {
  private readonly starts = new Int32List();
  private readonly fences = new Int32List();
  private readonly readTo = new Int32List();
  private readonly firstLines = new Int32List();
  private readonly lines: LabelledLine[] = [];
  private readonly lineStretches: number[] = [];

  constructor(private readonly text: string) {}

  stretch(start: number, fence: string | undefined, readTo: number, lines: readonly LabelledLine[]): void {
    this.firstLines.push(this.lines.length);
    for (const line of lines) {
      this.lines.push(line);
      this.lineStretches.push(this.starts.length);
    }
    this.starts.push(start);
    this.fences.push(fenceCode(fence));
    this.readTo.push(readTo);
  }

  /** `from`'s stretches [first, last), moved by `delta`. */
  copy(from: LabelledReading, first: number, last: number, delta: number): void {
    const stretchShift = this.starts.length - first;
    const lineShift = this.lines.length - from.firstLines[first]!;
    this.starts.append(from.starts, first, last, delta);
    this.fences.append(from.fences, first, last, 0);
    this.readTo.append(from.readTo, first, last, delta);
    this.firstLines.append(from.firstLines, first, last, lineShift);
    for (let k = from.firstLines[first]!; k < from.firstLines[last]!; k++) {
      this.lines.push(from.lines[k]!);
      this.lineStretches.push(from.lineStretches[k]! + stretchShift);
    }
  }

  finish(end: number, fence: string | undefined): LabelledReading {
    this.starts.push(end);
    this.fences.push(fenceCode(fence));
    this.firstLines.push(this.lines.length);
    return {
      text: this.text,
      starts: this.starts.done(),
      fences: this.fences.done(),
      readTo: this.readTo.done(),
      firstLines: this.firstLines.done(),
      lines: this.lines,
      lineStretches: this.lineStretches,
    };
  }
}
