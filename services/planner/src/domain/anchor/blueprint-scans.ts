import { isReference, plainTitle } from '../plan/plan-kinds';
import type { AnchorSection, BlueprintForAnchor } from './anchor';
import { labelledStatements } from './labelled-lines';
import { readLabelled, type LabelledReading } from './labelled-reading';
import type { QuotedStatement } from './pivot-statements';
import { pivotsNamedBy, type PivotType } from './pivot-types';

/**
 * The two reads of a blueprint the anchor makes over every section or every line: what each section
 * title says, and the `Label:` lines. Either whole, or reusing what was read in the last version
 * (a title says the same wherever it stands; labelled-reading.ts for the lines), so that an edit
 * costs a read of what it touched, and either way the anchor is the same.
 */

/** What a section title says to the anchor. */
export interface TitleKind {
  /** It opens reference material (an FAQ, a licence): nothing under it names a pivot. */
  readonly reference: boolean;
  /** The pivots it names, in pivot order. */
  readonly pivots: readonly PivotType[];
}

/** Most titles say nothing to the anchor: they share one kind (never changed: its fields are readonly). */
const PLAIN_TITLE: TitleKind = { reference: false, pivots: [] };

export function titleKindOf(title: string): TitleKind {
  const reference = isReference(plainTitle(title));
  const pivots = pivotsNamedBy(title);
  return reference || pivots.length > 0 ? { reference, pivots } : PLAIN_TITLE;
}

/** How the anchor reads a blueprint. */
export interface BlueprintScans {
  /** What each section's title says, by section index. */
  titleKinds(sections: readonly AnchorSection[]): readonly TitleKind[];
  /** The labelled statements the anchor takes, in document order. */
  labelledStatements(blueprint: BlueprintForAnchor): Array<[PivotType[], QuotedStatement]>;
}

/** Reads everything, remembers nothing. */
export const wholeBlueprintScans: BlueprintScans = {
  titleKinds: (sections) => sections.map((s) => titleKindOf(s.title)),
  labelledStatements: ({ text }) => labelledStatements(text),
};

/** What the anchor read in one blueprint version, for the next one to reuse. Never changed. */
export interface AnchorReading {
  /** The section titles, and what each says. */
  readonly titles: readonly string[];
  readonly kinds: readonly TitleKind[];
  readonly labelled?: LabelledReading;
}

/**
 * Reads a blueprint reusing the last version's reading; `reading()` then gives this version's
 * (only what this version holds, so it never grows beyond one blueprint's).
 */
export class ReusingBlueprintScans implements BlueprintScans {
  private titles: readonly string[] = [];
  private kinds: readonly TitleKind[] = [];
  private labelled: LabelledReading | undefined;

  constructor(private readonly previous: AnchorReading | undefined) {}

  /**
   * A section keeps the kind of the section with the same title at the same index, or at the same
   * index from the end (sections added or removed before it); others are read.
   */
  titleKinds(sections: readonly AnchorSection[]): readonly TitleKind[] {
    const { titles: had, kinds: hadKinds } = this.previous ?? { titles: [], kinds: [] };
    const moved = had.length - sections.length;
    const titles = new Array<string>(sections.length);
    const kinds = new Array<TitleKind>(sections.length);
    for (let i = 0; i < sections.length; i++) {
      const title = sections[i]!.title;
      titles[i] = title;
      // Indices checked first: reading past an array's end is slow.
      const j = i + moved;
      if (i < had.length && had[i] === title) kinds[i] = hadKinds[i]!;
      else if (j >= 0 && j < had.length && had[j] === title) kinds[i] = hadKinds[j]!;
      else kinds[i] = titleKindOf(title);
    }
    this.titles = titles;
    this.kinds = kinds;
    return kinds;
  }

  labelledStatements({ text, sections }: BlueprintForAnchor): Array<[PivotType[], QuotedStatement]> {
    const { statements, reading } = readLabelled(
      text,
      (pos) => headingLineAfter(text, sections, pos),
      this.previous?.labelled,
    );
    this.labelled = reading;
    return statements;
  }

  reading(): AnchorReading {
    const { titles, kinds, labelled } = this;
    return labelled === undefined ? { titles, kinds } : { titles, kinds, labelled };
  }
}

/** Sections looked at past the first one starting after a position (in document order, one is). */
const SECTIONS_LOOKED_AT = 64;

/**
 * Where the first heading line after `pos` starts (sections in document order: found by halving),
 * else the end of the text. So each section's own text is a stretch, and lines read per stretch are
 * the lines of the whole text.
 */
function headingLineAfter(text: string, sections: readonly AnchorSection[], pos: number): number {
  let low = 0;
  let high = sections.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sections[middle]!.start <= pos) low = middle + 1;
    else high = middle;
  }
  for (let i = low; i < sections.length && i < low + SECTIONS_LOOKED_AT; i++) {
    const start = sections[i]!.start;
    const lineStart = start <= 0 ? 0 : text.lastIndexOf('\n', start - 1) + 1;
    if (lineStart > pos) return lineStart;
  }
  return text.length;
}
