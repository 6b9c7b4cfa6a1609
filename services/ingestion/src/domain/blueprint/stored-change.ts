import { AutopilotError } from '@autopilot/kernel';
import { textEdit } from '../sections/section-blocks';
import type { MemoSection, Section } from '../sections/section-tree';

/**
 * A version stored as a change to its parent rather than whole (issue 17: re-ingesting a 500k-word
 * blueprint after a one-section edit stored its 2.9 MB of text and 19.5k sections again, ~0.1 s).
 * Its chunks hold only the text that replaced a span of the parent's; its section batches hold the
 * sections that are not the parent's moved by that edit, and runs of parent sections for the rest.
 * Reading it reads the parent (itself maybe a change) and applies this; `depth` bounds that chain.
 */
export interface StoredChange {
  /** The version this one is a change to. */
  readonly parentVersion: number;
  /** Changes applied on reading this version: 1 + the parent's (0 for a version stored whole). */
  readonly depth: number;
  /** The parent's text `[start, end)` is replaced by this version's `[start, insertedEnd)`. */
  readonly start: number;
  readonly end: number;
  readonly insertedEnd: number;
}

/** A section as a version stores it: new or changed since its parent, or not. */
export type ChangeFlaggedSection = Section & { changed: boolean };

/** `count` sections of the parent from index `from`, moved by the edit, none of them changed. */
export interface KeptParentSections {
  readonly keep: { readonly from: number; count: number };
}

/** What a section batch of a version stored as a change holds: sections, or runs of the parent's. */
export type StoredSectionEntry<S extends ChangeFlaggedSection> = S | KeptParentSections;

/** Chains longer than this are cut by storing a version whole: reading one reads every version in its chain. */
export const MAX_STORED_CHANGE_DEPTH = 8;

/** Only a change touching at most this share of the text is stored as one; a larger one costs its parent's reads for little. */
const MAX_CHANGED_SHARE = 0.25;

/** What is stored does not fit together: a version's change does not apply to its parent as read. */
export class StoredChangeMismatchError extends AutopilotError {
  readonly code = 'INGESTION_STORED_CHANGE_MISMATCH';
  constructor(
    readonly parentVersion: number,
    readonly problem: string,
  ) {
    super(`a version stored as a change to version ${parentVersion} does not fit it: ${problem}`);
  }
}

/**
 * How to store a version whose parent (`parentText`, stored with `parentDepth` changes) is at hand:
 * as a change to it, or undefined when the chain would grow too deep or the edit is not small.
 */
export function storedChangeOf(
  parentText: string,
  text: string,
  parentVersion: number,
  parentDepth: number,
): StoredChange | undefined {
  if (parentDepth + 1 > MAX_STORED_CHANGE_DEPTH) return undefined;
  const { prefix, suffix } = textEdit(parentText, text);
  const change: StoredChange = {
    parentVersion,
    depth: parentDepth + 1,
    start: prefix,
    end: parentText.length - suffix,
    insertedEnd: text.length - suffix,
  };
  const touched = change.end - change.start + (change.insertedEnd - change.start);
  return touched <= MAX_CHANGED_SHARE * Math.max(text.length, parentText.length) ? change : undefined;
}

/**
 * Where offset `x` of the parent's text is in this version's: before the replaced span it stays, at
 * or after its end it moves (an insertion moves what starts where it is made); inside it, nowhere.
 */
function movedOffset(change: StoredChange, x: number): number | undefined {
  if (x <= change.start && x < change.end) return x;
  if (x >= change.end) return x + change.insertedEnd - change.end;
  return undefined;
}

/**
 * For each section of `next`, the index of the parent section it is, moved by the change, or -1: the
 * same id, parent id, title, level, kind, file, hash and word count, offsets where the change moves
 * the parent's, and not changed. The same id is the same heading path: an id is hashed from its
 * heading path, or reused for the same parent id and title (section-tree.ts), so ids and heading paths
 * go together in every version of a blueprint. Looked up where the edit leaves a section: at the
 * same index before the edit, shifted by the sections the edit added after it.
 */
export function keptParentIndexes(
  parent: readonly MemoSection[],
  next: readonly Section[],
  changed: ReadonlySet<string>,
  change: StoredChange,
): Int32Array {
  const kept = new Int32Array(next.length).fill(-1);
  const shift = parent.length - next.length;
  // movedOffset, inline (-1: nowhere), and no call per section: run once per version, mostly
  // before the engine optimizes it (9 ms of 19.5k sections with the calls).
  const { start, end } = change;
  const delta = change.insertedEnd - change.end;
  for (let i = 0; i < next.length; i++) {
    const s = next[i]!;
    const j = parent[i]?.id === s.id ? i : i + shift >= 0 && parent[i + shift]?.id === s.id ? i + shift : -1;
    if (j === -1 || changed.has(s.id)) continue;
    const old = parent[j]!;
    if (
      old.hash !== s.hash ||
      old.parentId !== s.parentId ||
      old.title !== s.title ||
      old.level !== s.level ||
      old.kind !== s.kind ||
      old.file !== s.file ||
      old.wordCount !== s.wordCount ||
      (old.start >= end ? old.start + delta : old.start <= start ? old.start : -1) !== s.start ||
      (old.end >= end ? old.end + delta : old.end <= start ? old.end : -1) !== s.end ||
      (old.bodyEnd >= end ? old.bodyEnd + delta : old.bodyEnd <= start ? old.bodyEnd : -1) !== s.bodyEnd
    )
      continue;
    kept[i] = j;
  }
  return kept;
}

/** The entries of `next[from, to)` in a batch: a section each, or runs of kept parent sections. */
export function storedSectionEntries<S extends ChangeFlaggedSection>(
  next: readonly Section[],
  kept: Int32Array,
  changed: ReadonlySet<string>,
  from: number,
  to: number,
  flagged: (s: Section, changed: boolean) => S,
): StoredSectionEntry<S>[] {
  const entries: StoredSectionEntry<S>[] = [];
  let run: KeptParentSections | undefined;
  for (let i = from; i < to; i++) {
    const j = kept[i]!;
    if (j === -1) {
      run = undefined;
      const s = next[i]!;
      entries.push(flagged(s, changed.has(s.id)));
    } else if (run && run.keep.from + run.keep.count === j) run.keep.count += 1;
    else {
      run = { keep: { from: j, count: 1 } };
      entries.push(run);
    }
  }
  return entries;
}

/** The version's text: its parent's with the change's span replaced by `inserted` (its chunks, joined). */
export function applyTextChange(parentText: string, inserted: string, change: StoredChange): string {
  if (change.end > parentText.length || change.insertedEnd - change.start !== inserted.length)
    throw new StoredChangeMismatchError(
      change.parentVersion,
      `[${change.start}, ${change.end}) of ${parentText.length} characters replaced by ${inserted.length}, expected ${change.insertedEnd - change.start}`,
    );
  return parentText.slice(0, change.start) + inserted + parentText.slice(change.end);
}

/**
 * The version's sections: its entries with each run of kept parent sections moved by the change.
 * The kept sections are moved in place (reading a 19.5k-section version copied each): pass the
 * parent's sections as just read, and use them for nothing else. Runs are in document order, so
 * none is moved twice.
 */
export function applySectionsChange<S extends ChangeFlaggedSection>(
  parentSections: S[],
  entries: readonly StoredSectionEntry<S>[],
  change: StoredChange,
): S[] {
  const sections: S[] = [];
  let next = 0;
  for (const entry of entries) {
    if (!('keep' in entry)) {
      sections.push(entry);
      continue;
    }
    const { from, count } = entry.keep;
    if (from < next || from + count > parentSections.length)
      throw new StoredChangeMismatchError(
        change.parentVersion,
        `kept sections [${from}, ${from + count}) are before an earlier run or past the parent's ${parentSections.length}`,
      );
    for (let k = from; k < from + count; k++) sections.push(moveSection(parentSections[k]!, change));
    next = from + count;
  }
  return sections;
}

/** A kept parent section moved where the change moves it, not changed; its fields keep their order. */
function moveSection<S extends ChangeFlaggedSection>(s: S, change: StoredChange): S {
  const start = movedOffset(change, s.start);
  const end = movedOffset(change, s.end);
  const bodyEnd = movedOffset(change, s.bodyEnd);
  if (start === undefined || end === undefined || bodyEnd === undefined)
    throw new StoredChangeMismatchError(change.parentVersion, `kept section ${s.id} lies across the edit`);
  s.start = start;
  s.end = end;
  s.bodyEnd = bodyEnd;
  s.changed = false;
  return s;
}
