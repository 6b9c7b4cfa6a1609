import { createHash } from 'node:crypto';
import { parseBlueprint, type ParsedBlueprint } from './blueprint-parse';
import {
  applySectionsChange,
  applyTextChange,
  keptParentIndexes,
  MAX_STORED_CHANGE_DEPTH,
  storedChangeOf,
  storedSectionEntries,
  StoredChangeMismatchError,
  type ChangeFlaggedSection,
  type StoredChange,
  type StoredSectionEntry,
} from './stored-change';
import { changedSectionIds } from '../sections/section-changes';
import type { Section } from '../sections/section-tree';
import { FENCE, LINKED_PLAN_MARKDOWN, seededRandom } from '../../testing/edited-markdown';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

function parse(text: string): ParsedBlueprint | undefined {
  try {
    return parseBlueprint(text, { hash, scope: 'bp' });
  } catch {
    return undefined; // rejected or an offset error: not a version
  }
}

const flagged = (s: Section, changed: boolean): ChangeFlaggedSection => ({ ...s, changed });

/** A version as stored whole: its sections, each flagged changed or not against its parent's. */
function storedWhole(parent: ParsedBlueprint, next: ParsedBlueprint): ChangeFlaggedSection[] {
  const changed = new Set(
    changedSectionIds(new Map(parent.sections.map((s) => [s.id, s.hash])), next.sections),
  );
  return next.sections.map((s) => flagged(s, changed.has(s.id)));
}

/** The version stored as a change in batches of `perBatch` sections, and read back from its parent as stored. */
function storedAndReadBack(
  parent: { text: string; sections: ChangeFlaggedSection[] },
  parsedParent: ParsedBlueprint,
  next: ParsedBlueprint,
  change: StoredChange,
  perBatch: number,
): { text: string; sections: ChangeFlaggedSection[]; entries: number } {
  const changed = new Set(
    changedSectionIds(new Map(parsedParent.sections.map((s) => [s.id, s.hash])), next.sections),
  );
  const kept = keptParentIndexes(parsedParent.memo!.sections, next.sections, changed, change);
  const entries: StoredSectionEntry<ChangeFlaggedSection>[] = [];
  for (let from = 0; from < next.sections.length; from += perBatch) {
    const to = Math.min(next.sections.length, from + perBatch);
    // Through JSON, as a store keeps them.
    const batch = storedSectionEntries(next.sections, kept, changed, from, to, flagged);
    entries.push(...(JSON.parse(JSON.stringify(batch)) as typeof batch));
  }
  const inserted = next.text.slice(change.start, change.insertedEnd);
  return {
    text: applyTextChange(parent.text, inserted, change),
    // The parent's sections as a read gives them: fresh objects (they are moved in place).
    sections: applySectionsChange(
      JSON.parse(JSON.stringify(parent.sections)) as ChangeFlaggedSection[],
      entries,
      change,
    ),
    entries: entries.length,
  };
}

const SNIPPETS = [
  '# H\n',
  '## Sub\n',
  '### Story 1.1\n',
  'text\n',
  `${FENCE}\n`,
  '\n',
  '[spec]: /moved\n',
  'word',
  ' ',
];

describe('a version stored as a change to its parent', () => {
  it('reads back as the version stored whole, over a chain of 300 seeded random edits', () => {
    const random = seededRandom(31337);
    let parsed = parse(LINKED_PLAN_MARKDOWN)!;
    let stored = { text: parsed.text, sections: parsed.sections.map((s) => flagged(s, true)) };
    let depth = 0;
    let asChanges = 0;
    for (let i = 0; i < 300; i++) {
      const text = parsed.text;
      const at = random(text.length + 1);
      const cut = random(3) === 0 ? Math.min(text.length, at + 1 + random(15)) : at;
      const next = parse(text.slice(0, at) + SNIPPETS[random(SNIPPETS.length)]! + text.slice(cut));
      if (!next || next.text === text) continue;
      const whole = storedWhole(parsed, next);
      const change = storedChangeOf(text, next.text, i, depth);
      if (change) {
        const read = storedAndReadBack(stored, parsed, next, change, 1 + random(4));
        expect(read.text).toBe(next.text);
        expect(read.sections).toEqual(whole);
        // Key order too: what is read back serializes as what was stored whole.
        expect(JSON.stringify(read.sections)).toBe(JSON.stringify(whole));
        asChanges += 1;
      }
      depth = change?.depth ?? 0;
      stored = { text: next.text, sections: whole };
      parsed = next;
    }
    expect(asChanges).toBeGreaterThan(150);
  });

  it('keeps all but the edited section of a one-section edit as runs of the parent’s', () => {
    const parent = parse(LINKED_PLAN_MARKDOWN)!;
    const next = parse(LINKED_PLAN_MARKDOWN.replace('Body of 2.1.', 'Body of 2.1, edited.'))!;
    const change = storedChangeOf(parent.text, next.text, 1, 0)!;
    const read = storedAndReadBack(
      { text: parent.text, sections: parent.sections.map((s) => flagged(s, true)) },
      parent,
      next,
      change,
      1000,
    );
    expect(read.sections).toEqual(storedWhole(parent, next));
    // A run before it, the section, a run after it.
    expect(read.entries).toBe(3);
  });

  it('is stored whole past the chain depth, or when the edit touches much of the text', () => {
    const text = LINKED_PLAN_MARKDOWN;
    const edited = text.replace('Body of 2.1.', 'Body of 2.1, edited.');
    expect(storedChangeOf(text, edited, 3, MAX_STORED_CHANGE_DEPTH - 1)).toMatchObject({
      parentVersion: 3,
      depth: MAX_STORED_CHANGE_DEPTH,
    });
    expect(storedChangeOf(text, edited, 3, MAX_STORED_CHANGE_DEPTH)).toBeUndefined();
    expect(storedChangeOf(text, `x${text}x`, 3, 0)).toBeUndefined();
  });

  it('refuses to apply to a parent it does not fit', () => {
    const change: StoredChange = { parentVersion: 2, depth: 1, start: 5, end: 8, insertedEnd: 9 };
    expect(() => applyTextChange('short', 'abcd', change)).toThrow(StoredChangeMismatchError);
    expect(() => applySectionsChange([], [{ keep: { from: 0, count: 1 } }], change)).toThrow(
      "kept sections [0, 1) are before an earlier run or past the parent's 0",
    );
    const parent = parse(LINKED_PLAN_MARKDOWN)!.sections.map((s) => flagged(s, true));
    const twice = [{ keep: { from: 0, count: 2 } }, { keep: { from: 1, count: 1 } }];
    expect(() => applySectionsChange(parent, twice, { ...change, start: 0, end: 0, insertedEnd: 0 })).toThrow(
      StoredChangeMismatchError,
    );
  });
});
