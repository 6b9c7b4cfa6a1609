import { createHash } from 'node:crypto';
import type { BlueprintSection } from './blueprint-ingested.v1';
import type { KeptSections } from './blueprint-ingested.v2';
import {
  applyBlueprintChange,
  blueprintChange,
  type BlueprintContent,
  type BlueprintContentChange,
} from './blueprint-change';
import { seededRandom } from '../test-support/seeded-random';

/** A small parser for the test: a section per `#` line, to the next one; ids by title. */
function contentOf(text: string): BlueprintContent {
  const starts: { at: number; title: string }[] = [];
  const heading = /^# (.*)$/gm;
  for (let m = heading.exec(text); m; m = heading.exec(text)) starts.push({ at: m.index, title: m[1]! });
  // Ids unique by title and ordinal among the same titles, as ingestion's are.
  const seen = new Map<string, number>();
  const sections: BlueprintSection[] = starts.map(({ at, title }, i) => {
    const end = starts[i + 1]?.at ?? text.length;
    const own = text.slice(at, end);
    const key = title.replace(/\W/g, (c) => `_${c.codePointAt(0)}`);
    const ordinal = seen.get(key) ?? 0;
    seen.set(key, ordinal + 1);
    return {
      id: `sec_${key}_${ordinal}`,
      level: 1,
      title,
      start: at,
      end,
      bodyEnd: end,
      hash: createHash('sha256').update(own).digest('hex'),
      wordCount: own.split(/\s+/).filter(Boolean).length,
    };
  });
  return { text, sections };
}

const doc = (n: number): string =>
  Array.from({ length: n }, (_, i) => `# Story ${i}\n\nDo thing ${i}.\n- [ ] check ${i}\n`).join('\n');

describe('blueprintChange and applyBlueprintChange', () => {
  it('gives back the next version exactly, for random edits anywhere, keeping what they did not touch', () => {
    const next = seededRandom(17);
    let base = contentOf(doc(40));
    for (let round = 0; round < 300; round++) {
      const at = Math.floor(next() * base.text.length);
      const cut = Math.floor(next() * 40 * (next() < 0.2 ? 10 : 1));
      const inserts = ['', 'x', '\n# New part\nmore\n', ' words 😀 ', `# Story ${round % 7}\n`];
      const inserted = inserts[round % inserts.length]!;
      const text = base.text.slice(0, at) + inserted + base.text.slice(at + cut);
      const target = contentOf(text);
      const change = blueprintChange(base, target);
      expect(applyBlueprintChange(base, change)).toEqual(target);
      // A section clear of the edit (where the change puts it: the same insertion may align elsewhere
      // in repeated text), which the base had with the same text, travels kept.
      const edit = change.textEdits[0] ?? { start: 0, text: '' };
      const whole = new Set(change.sections.flatMap((s) => ('keep' in s ? [] : [s.id])));
      const baseHashes = new Map(base.sections.map((s) => [s.id, s.hash]));
      for (const s of target.sections) {
        const clear = s.end < edit.start || s.start > edit.start + edit.text.length;
        if (clear && baseHashes.get(s.id) === s.hash) expect(whole.has(s.id)).toBe(false);
      }
      base = target;
    }
  });

  it('tells one edit in the middle as one text edit and two kept runs', () => {
    const base = contentOf(doc(10));
    const at = base.sections[5]!.start + 10;
    const target = contentOf(`${base.text.slice(0, at)}CHANGED ${base.text.slice(at)}`);
    const change = blueprintChange(base, target);
    expect(change.textEdits).toEqual([{ start: at, end: at, text: 'CHANGED ' }]);
    expect(change.sections).toEqual([
      { keep: { from: 0, count: 5 } },
      target.sections[5],
      { keep: { from: 6, count: 4 } },
    ]);
  });

  it('tells a version from nothing as one edit with every section, and the same version as nothing', () => {
    const target = contentOf(doc(3));
    const whole = blueprintChange({ text: '', sections: [] }, target);
    expect(whole.textEdits).toEqual([{ start: 0, end: 0, text: target.text }]);
    expect(applyBlueprintChange({ text: '', sections: [] }, whole)).toEqual(target);
    expect(blueprintChange(target, target)).toEqual({
      textEdits: [],
      sections: [{ keep: { from: 0, count: 3 } }],
    });
  });

  it('refuses a change that does not fit the base it is applied to', () => {
    const base = contentOf(doc(3));
    const other = contentOf(doc(2));
    const change = blueprintChange(base, contentOf(`${base.text}\n# Story 9\n`));
    expect(() => applyBlueprintChange(other, change)).toThrow(
      expect.objectContaining({ code: 'BLUEPRINT_CHANGE_MISMATCH' }),
    );
    expect(() =>
      applyBlueprintChange(base, { textEdits: [{ start: 5, end: 2, text: '' }], sections: [] }),
    ).toThrow(/out of order/);
    // A kept section an edit runs through has no place in the new text.
    const across = {
      textEdits: [{ start: 1, end: base.sections[1]!.start + 1, text: '' }],
      sections: [{ keep: { from: 1, count: 1 } }],
    };
    expect(() => applyBlueprintChange(base, across)).toThrow(/lies across a text edit/);
  });

  it('equals the change found through a map of every base id, for edits that move sections out of order (seeded)', () => {
    const next = seededRandom(23);
    let base = contentOf(doc(30));
    let outOfOrder = 0;
    for (let round = 0; round < 300; round++) {
      const parts = base.text.split(/(?=^# )/m);
      const from = Math.floor(next() * parts.length);
      const moved = parts.splice(from, 1 + Math.floor(next() * 3));
      if (next() < 0.5) parts.splice(Math.floor(next() * (parts.length + 1)), 0, ...moved);
      if (next() < 0.5) parts.splice(Math.floor(next() * (parts.length + 1)), 0, `# New ${round}\n\nbody\n`);
      const at = Math.floor(next() * parts.length);
      if (parts[at] && next() < 0.5) parts[at] = `${parts[at]}edited ${round}\n`;
      const target = contentOf(parts.join(''));
      const change = blueprintChange(base, target);
      expect(change).toEqual(changeByIdMap(base, target));
      expect(applyBlueprintChange(base, change)).toEqual(target);
      // A base section not right after the one before it in the base: found through the map.
      const baseIndex = new Map(base.sections.map((s, i) => [s.id, i]));
      const found = target.sections.flatMap((s) => baseIndex.get(s.id) ?? []);
      if (found.some((i, k) => i !== (k === 0 ? 0 : found[k - 1]! + 1))) outOfOrder += 1;
      base = target.sections.length > 5 ? target : contentOf(doc(30));
    }
    expect(outOfOrder).toBeGreaterThan(50);
  });
});

/** blueprintChange as it was first written, looking every section up in a map of the base ids. */
function changeByIdMap(base: BlueprintContent, next: BlueprintContent): BlueprintContentChange {
  const { textEdits } = blueprintChange(base, next);
  const indexById = new Map<string, number>();
  base.sections.forEach((s, i) => indexById.set(s.id, i));
  // Where the (one) edit moves an offset of the base: undefined inside what it replaced.
  const edit = textEdits[0];
  const move = (x: number): number | undefined => {
    if (!edit) return x;
    if (edit.end <= x) return x + edit.text.length - (edit.end - edit.start);
    return edit.start < x ? undefined : x;
  };
  const movedBase = base.sections.map((s) => ({
    ...s,
    start: move(s.start),
    end: move(s.end),
    bodyEnd: move(s.bodyEnd!),
  }));
  const sections: (BlueprintSection | KeptSections)[] = [];
  let run: KeptSections | undefined;
  for (const section of next.sections) {
    const i = indexById.get(section.id);
    const moved = i === undefined ? undefined : movedBase[i];
    const kept = moved !== undefined && JSON.stringify(moved) === JSON.stringify(section);
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
