import { AutopilotError, commonPrefixLength, commonSuffixLength, InOrderLookup } from '@autopilot/kernel';
import type { BlueprintIngestedV1, BlueprintSection } from './blueprint-ingested.v1';
import type { BlueprintIngestedV2, BlueprintTextEdit, KeptSections } from './blueprint-ingested.v2';

/**
 * How `blueprint.ingested` v2 tells a version as a change to one its consumers hold: written once
 * here, so that ingestion (which makes a change) and every consumer (which applies it) agree.
 */

/** A version's text and sections: what a change applies to, and what it gives. */
export interface BlueprintContent {
  readonly text: string;
  readonly sections: readonly BlueprintSection[];
}

/** What of a v2 event describes the content. */
export type BlueprintContentChange = Pick<BlueprintIngestedV2, 'textEdits' | 'sections'>;

/** A change that does not fit the content it is applied to: an edit or a kept run out of its range. */
export class BlueprintChangeMismatchError extends AutopilotError {
  readonly code = 'BLUEPRINT_CHANGE_MISMATCH';
  constructor(readonly problem: string) {
    super(`the blueprint change does not fit its base: ${problem}`);
  }
}

/** Where the edits start and how far each moves what follows it. */
interface EditShifts {
  readonly edits: readonly BlueprintTextEdit[];
  /** `after[i]`: the shift of an offset past edit i (edits 0..i together). */
  readonly after: readonly number[];
}

function shiftsOf(edits: readonly BlueprintTextEdit[]): EditShifts {
  const after: number[] = [];
  let shift = 0;
  for (const e of edits) {
    shift += e.text.length - (e.end - e.start);
    after.push(shift);
  }
  return { edits, after };
}

/**
 * Where offset `x` of the base text is after the edits: moved by every edit that ends at or before
 * it (an insertion at `x` too); undefined inside a replaced range, which has no place after it.
 */
function mapOffset({ edits, after }: EditShifts, x: number): number | undefined {
  // The last edit ending at or before x (edits are in order and do not overlap).
  let lo = 0;
  let hi = edits.length - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (edits[mid]!.end <= x) {
      last = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const next = edits[last + 1];
  if (next && next.start < x) return undefined;
  return x + (last >= 0 ? after[last]! : 0);
}

/** A base section at its place after the edits, or undefined when an edit runs through a boundary of it. */
function movedSection(shifts: EditShifts, s: BlueprintSection): BlueprintSection | undefined {
  const start = mapOffset(shifts, s.start);
  const end = mapOffset(shifts, s.end);
  const bodyEnd = s.bodyEnd === undefined ? undefined : mapOffset(shifts, s.bodyEnd);
  if (start === undefined || end === undefined || (s.bodyEnd !== undefined && bodyEnd === undefined))
    return undefined;
  if (start === s.start && end === s.end && bodyEnd === s.bodyEnd) return s;
  return bodyEnd === undefined ? { ...s, start, end } : { ...s, start, end, bodyEnd };
}

/** The same section but for its offsets (which `movedSection` accounts for). */
function sameButOffsets(a: BlueprintSection, b: BlueprintSection): boolean {
  return (
    a.id === b.id &&
    a.hash === b.hash &&
    a.level === b.level &&
    a.title === b.title &&
    a.wordCount === b.wordCount &&
    a.parentId === b.parentId &&
    a.kind === b.kind &&
    a.file === b.file &&
    (a.bodyEnd === undefined) === (b.bodyEnd === undefined)
  );
}

/** One edit from the common start and end of two texts; none when they are equal. */
function textEditsBetween(base: string, next: string): BlueprintTextEdit[] {
  const prefix = commonPrefixLength(base, next);
  if (prefix === base.length && prefix === next.length) return [];
  const suffix = commonSuffixLength(base, next, prefix);
  return [{ start: prefix, end: base.length - suffix, text: next.slice(prefix, next.length - suffix) }];
}

/**
 * The change that turns `base` into `next`: one text edit (their common start and end kept), and
 * their sections with every run of base sections that `next` keeps unchanged (the same but for
 * offsets the edit moved) given as `keep`. Applying it to `base` gives `next` exactly.
 */
export function blueprintChange(base: BlueprintContent, next: BlueprintContent): BlueprintContentChange {
  const textEdits = textEditsBetween(base.text, next.text);
  // One edit at most (textEditsBetween): where it moves an offset, as mapOffset says, without
  // searching the edits (three calls and searches per section were 10 ms of 19.5k). -1: inside it.
  const edit = textEdits[0];
  const editStart = edit ? edit.start : Infinity;
  const editEnd = edit ? edit.end : Infinity;
  const delta = edit ? edit.text.length - (edit.end - edit.start) : 0;
  const moved = (offset: number): number =>
    editEnd <= offset ? offset + delta : editStart < offset ? -1 : offset;
  const baseSections = base.sections;
  const nextSections = next.sections;
  // An edit leaves most sections in order (a version holds an id once).
  const lookup = new InOrderLookup(baseSections);
  const sections: (BlueprintSection | KeptSections)[] = [];
  let run: KeptSections | undefined;
  for (let k = 0; k < nextSections.length; k++) {
    const section = nextSections[k]!;
    const i = lookup.indexOf(section.id);
    const before = i === undefined ? undefined : baseSections[i]!;
    let kept = before !== undefined && (before === section || sameButOffsets(before, section));
    if (kept) {
      const { start, end, bodyEnd } = before!;
      kept =
        moved(start) === section.start &&
        moved(end) === section.end &&
        (bodyEnd === undefined ? section.bodyEnd === undefined : moved(bodyEnd) === section.bodyEnd);
    }
    if (!kept) {
      run = undefined;
      sections.push(section);
    } else if (run && run.keep.from + run.keep.count === i) run.keep.count += 1;
    else {
      run = { keep: { from: i!, count: 1 } };
      sections.push(run);
    }
  }
  return { textEdits, sections };
}

/**
 * `base` with `change` applied: the text with its edits made, the kept runs of base sections at their
 * new offsets, the others as given. Throws BlueprintChangeMismatchError when it does not fit `base`.
 */
export function applyBlueprintChange(
  base: BlueprintContent,
  change: BlueprintContentChange,
): BlueprintContent {
  const baseText = base.text;
  const parts: string[] = [];
  let at = 0;
  for (const edit of change.textEdits) {
    if (edit.start < at || edit.end < edit.start || edit.end > baseText.length)
      throw new BlueprintChangeMismatchError(
        `text edit [${edit.start}, ${edit.end}) is out of order or past the base text's ${baseText.length} characters`,
      );
    parts.push(baseText.slice(at, edit.start), edit.text);
    at = edit.end;
  }
  parts.push(baseText.slice(at));
  const shifts = shiftsOf(change.textEdits);
  const baseSections = base.sections;
  const sections: BlueprintSection[] = [];
  for (const entry of change.sections) {
    if (!('keep' in entry)) {
      sections.push(entry);
      continue;
    }
    const { from, count } = entry.keep;
    if (from + count > baseSections.length)
      throw new BlueprintChangeMismatchError(
        `kept sections [${from}, ${from + count}) are past the base's ${baseSections.length}`,
      );
    for (let i = from; i < from + count; i++) {
      const moved = movedSection(shifts, baseSections[i]!);
      if (!moved)
        throw new BlueprintChangeMismatchError(`kept section ${baseSections[i]!.id} lies across a text edit`);
      sections.push(moved);
    }
  }
  return { text: parts.join(''), sections };
}

/**
 * A v2 event as the whole version, in v1's shape (what a consumer plans from), given its content:
 * `applyBlueprintChange` of the event on the base it names.
 */
export function wholeBlueprintIngested(
  event: BlueprintIngestedV2,
  content: BlueprintContent,
): BlueprintIngestedV1 {
  const { base: _base, textEdits: _edits, sections: _sections, ...rest } = event;
  return { ...rest, text: content.text, sections: [...content.sections] };
}

/**
 * `whole` told as a change to `base`, a version of the same blueprint its consumers hold: the v2
 * event `wholeBlueprintIngested` turns back into `whole`.
 */
export function blueprintIngestedChange(
  base: BlueprintContent & { readonly version: number; readonly digest: string },
  whole: BlueprintIngestedV1,
): BlueprintIngestedV2 {
  const { text: _text, sections: _sections, ...rest } = whole;
  return { ...rest, base: { version: base.version, digest: base.digest }, ...blueprintChange(base, whole) };
}
