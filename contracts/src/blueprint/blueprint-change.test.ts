import { createHash } from 'node:crypto';
import type { BlueprintSection } from './blueprint-ingested.v1';
import { applyBlueprintChange, blueprintChange, type BlueprintContent } from './blueprint-change';
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
});
