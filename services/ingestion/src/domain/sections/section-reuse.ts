import type { TextEdit } from './section-blocks';
import type { MemoSection, Section } from './section-tree';

/** What a section's own text alone decides: reused when that text is unchanged. */
export type SectionTextFacts = Pick<Section, 'hash' | 'wordCount'>;

/**
 * The sections of an earlier version whose own text an edit left as it was, so a new version hashes
 * and counts the words of only the sections around the change (re-ingesting a 19.5k-section text
 * after a one-section edit hashed every section again).
 */
export class UnchangedSections {
  /** `previous`: in document order (a one-file text's, so by start); `length`: of the new text. */
  constructor(
    private readonly previous: readonly MemoSection[],
    private readonly edit: TextEdit,
    private readonly length: number,
  ) {}

  /**
   * The facts of the new text's `[start, bodyEnd)`, when an earlier section had exactly that text:
   * the span lies wholly in the common prefix, or wholly in the common suffix (moved by the edit).
   */
  find(start: number, bodyEnd: number): SectionTextFacts | undefined {
    const { prefix, suffix, delta } = this.edit;
    let shift: number;
    if (bodyEnd <= prefix) shift = 0;
    else if (start >= this.length - suffix) shift = delta;
    else return undefined;
    const old = this.startingAt(start - shift);
    return old !== undefined && old.bodyEnd === bodyEnd - shift ? old : undefined;
  }

  /** Where the last lookup ended: a parse looks sections up in document order. */
  private cursor = 0;

  /**
   * The earlier section starting at `offset`: found by walking on from the last lookup, as a parse
   * asks in document order (a binary search each was 6 ms over 19.5k sections); by binary search for
   * an offset before the last one.
   */
  private startingAt(offset: number): MemoSection | undefined {
    const previous = this.previous;
    if (this.cursor < previous.length && previous[this.cursor]!.start <= offset) {
      while (this.cursor + 1 < previous.length && previous[this.cursor + 1]!.start <= offset) this.cursor++;
      const section = previous[this.cursor]!;
      return section.start === offset ? section : undefined;
    }
    let lo = 0;
    let hi = this.previous.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const section = this.previous[mid] as MemoSection;
      if (section.start === offset) return section;
      if (section.start < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}
