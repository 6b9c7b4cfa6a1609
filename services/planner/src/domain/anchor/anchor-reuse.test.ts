import { sha256Hex } from '@autopilot/kernel';
import { seededRandom } from '@autopilot/testing';
import {
  anchorFromBlueprint,
  anchorFromBlueprintReusing,
  type AnchorReading,
  type BlueprintForAnchor,
} from './anchor';
import { blueprintOf, FULL_BLUEPRINT } from './anchor-fixtures.test-support';

/**
 * The anchor read reusing the last version's reading must be the anchor read whole, id and offsets
 * included, whatever the edit: the stretches between headings are reused by their text, so edits
 * that move text, open or close fences across sections, wrap a labelled statement into the next
 * heading or end the text there are the cases to try.
 */

const options = { hash: sha256Hex };

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

const LABELS = [
  'Budget',
  '**Cost:**',
  'Non-goals',
  'Scope',
  'Testing',
  'Review',
  '__Security__',
  'Memory',
  'Concurrency',
  'Goal',
  'Why',
  'Note',
  'Owner',
];
const TITLES = [
  'Goals',
  'Non-goals',
  'Testing strategy',
  'Budget',
  'Security and risks',
  'Review and approval',
  'Memory and hand-off',
  'Concurrency',
  'FAQ',
  'License',
  'Story 1.2: Cart totals',
  'Phase 2',
  'Acceptance criteria',
  'Notes',
];

/** One line of a section body: prose, bullets, labelled lines, fences, tables, setext underlines. */
function bodyLine(rand: Rand): string {
  const words = () => pick(rand, ['totals include tax', 'no mobile app', 'at most $200', 'e.g. three runs']);
  switch (Math.floor(rand() * 12)) {
    case 0:
    case 1:
      return `${pick(rand, ['', '- ', '* '])}${pick(rand, LABELS)}: ${words()}.`;
    case 2:
      return `${pick(rand, LABELS)}: ${words()}`; // wraps on to the next line when one follows
    case 3:
      return pick(rand, ['```', '```bash', '~~~', '````']);
    case 4:
      return '';
    case 5:
      return `- ${words()}; and ${words()}.`;
    case 6:
      return `| ${words()} | ${pick(rand, LABELS)}: x |`;
    case 7:
      return pick(rand, ['---', '===', '<!-- note -->', '> Budget: quoted']);
    case 8:
      return `${words()}. ${words()}! And ${words()}?`;
    default:
      return `${words()} ${words()}`;
  }
}

function section(rand: Rand): string {
  const level = 1 + Math.floor(rand() * 4);
  const title = pick(rand, TITLES);
  const heading =
    rand() < 0.15 ? `${title}\n${level === 1 ? '===' : '---'}` : `${'#'.repeat(level)} ${title}`;
  const lines = Array.from({ length: Math.floor(rand() * 7) }, () => bodyLine(rand));
  return [heading, ...lines].join('\n') + '\n';
}

/** A random edit of a text made of sections (kept as a list, so edits stay at whole sections). */
function edit(rand: Rand, sections: string[]): string[] {
  const next = [...sections];
  const at = Math.floor(rand() * Math.max(1, next.length));
  switch (Math.floor(rand() * 8)) {
    case 0: // a line changed inside a section
    case 1: {
      const lines = (next[at] ?? '').split('\n');
      lines.splice(1 + Math.floor(rand() * lines.length), 0, bodyLine(rand));
      next[at] = lines.join('\n');
      break;
    }
    case 2: // a section added
      next.splice(at, 0, section(rand));
      break;
    case 3: // a section removed
      next.splice(at, 1);
      break;
    case 4: // a section renamed
      next[at] = (next[at] ?? '').replace(/^[^\n]*/, `## ${pick(rand, TITLES)}`);
      break;
    case 5: // a section copied elsewhere: the same text twice
      next.splice(Math.floor(rand() * next.length), 0, next[at] ?? section(rand));
      break;
    case 6: // two sections swapped
      if (next.length > 1) {
        const other = Math.floor(rand() * next.length);
        [next[at], next[other]] = [next[other]!, next[at]!];
      }
      break;
    default: // a labelled line added, right before the next heading
      next[at] = `${next[at] ?? ''}${pick(rand, LABELS)}: ${pick(rand, ['wrapped', 'at most two'])}\n`;
  }
  return next;
}

/** The text of the sections; sometimes without its last newline, so the last line runs to the end. */
function textOf(rand: Rand, sections: readonly string[]): string {
  const text = `Intro: ${pick(rand, ['plain', 'Budget: none'])}\n${sections.join('')}`;
  return rand() < 0.3 ? text.replace(/\n$/, '') : text;
}

/**
 * Sections cut where another reader might cut them: at lines chosen by their words (so the same line
 * is cut in every version), at most a few characters into the line, at any level.
 */
function cutAnywhere(text: string): BlueprintForAnchor {
  const starts: Array<{ title: string; level: number; start: number }> = [];
  let lineStart = 0;
  for (const line of text.split('\n')) {
    let words = 0;
    for (let i = 0; i < line.length; i++) words = (words * 31 + line.charCodeAt(i)) >>> 0;
    if (words % 3 === 0) {
      const into = Math.min(line.length, words % 4);
      starts.push({ title: line.slice(into), level: 1 + (words % 5), start: lineStart + into });
    }
    lineStart += line.length + 1;
  }
  const sections = starts.map((s, i) => {
    const next = starts.slice(i + 1).find((n) => n.level <= s.level);
    return { ...s, end: next?.start ?? text.length };
  });
  return { text, sections };
}

describe('anchorFromBlueprintReusing', () => {
  it.each([
    [1, 'marked'],
    [2, 'marked'],
    [3, 'marked'],
    [4, 'marked'],
    [5, 'marked'],
    [6, 'marked'],
    [7, 'anywhere'],
    [8, 'anywhere'],
    [9, 'anywhere'],
    [10, 'anywhere'],
  ] as const)(
    'gives the anchor anchorFromBlueprint gives, after each of 60 random edits (seed %i, sections cut %s)',
    (seed, cut) => {
      const rand = seededRandom(seed);
      const blueprintOfText = cut === 'marked' ? blueprintOf : cutAnywhere;
      let sections = Array.from({ length: 5 + Math.floor(rand() * 30) }, () => section(rand));
      let reading: AnchorReading | undefined;
      for (let step = 0; step < 60; step++) {
        const blueprint = blueprintOfText(textOf(rand, sections));
        const reused = anchorFromBlueprintReusing(blueprint, options, reading);
        expect({ step, anchor: reused.anchor }).toEqual({
          step,
          anchor: anchorFromBlueprint(blueprint, options),
        });
        reading = reused.reading;
        // Mostly one edit, sometimes a few far apart.
        for (let edits = rand() < 0.7 ? 1 : 2 + Math.floor(rand() * 3); edits > 0; edits--) {
          sections = edit(rand, sections);
        }
      }
    },
  );

  it('gives the anchor anchorFromBlueprint gives for a text of many blocks, after random edits', () => {
    const rand = seededRandom(11);
    let sections = Array.from({ length: 4000 }, () => section(rand));
    let reading: AnchorReading | undefined;
    for (let step = 0; step < 8; step++) {
      const blueprint = cutAnywhere(textOf(rand, sections));
      expect(blueprint.text.length).toBeGreaterThan(3 * 65536);
      const reused = anchorFromBlueprintReusing(blueprint, options, reading);
      expect({ step, anchor: reused.anchor }).toEqual({
        step,
        anchor: anchorFromBlueprint(blueprint, options),
      });
      reading = reused.reading;
      sections = edit(rand, sections);
    }
  });

  it('gives the same anchor with no reading, a reading of another text, and its own', () => {
    const blueprint = blueprintOf(FULL_BLUEPRINT);
    const whole = anchorFromBlueprint(blueprint, options);
    const first = anchorFromBlueprintReusing(blueprint, options, undefined);
    const other = anchorFromBlueprintReusing(blueprintOf('# Budget\n\n$5 a day.\n'), options, undefined);
    expect(first.anchor).toEqual(whole);
    expect(anchorFromBlueprintReusing(blueprint, options, other.reading).anchor).toEqual(whole);
    expect(anchorFromBlueprintReusing(blueprint, options, first.reading).anchor).toEqual(whole);
  });

  it('keeps what an edit did not touch and quotes moved statements at their new offsets', () => {
    const before = blueprintOf(FULL_BLUEPRINT);
    const { reading } = anchorFromBlueprintReusing(before, options, undefined);
    // A sentence added to the first section moves everything after it.
    const text = FULL_BLUEPRINT.replace('Intro text', 'Intro text, now longer. Intro text');
    const after = anchorFromBlueprintReusing(blueprintOf(text), options, reading);

    expect(after.anchor).toEqual(anchorFromBlueprint(blueprintOf(text), options));
    // The last section's labelled line, read once, at its new offset.
    const [line] = reading.labelled!.lines;
    expect(line?.statement.text).toBe('Acceptance criteria: totals include tax and shipping.');
    expect(after.reading.labelled!.lines[0]).toBe(line);
    expect(after.reading.kinds).toHaveLength(reading.kinds.length);
    after.reading.kinds.forEach((kind, i) => expect(kind).toBe(reading.kinds[i]));
    const evidence = after.anchor.typedPivots.find((p) => p.type === 'evidence')!;
    expect(evidence.statements.map((s) => s.text)).toContain(line?.statement.text);
    for (const pivot of after.anchor.typedPivots) {
      for (const s of pivot.statements) expect(text.slice(s.start, s.end)).toBe(s.text);
    }
  });

  it('reuses the stretches after an edit however many there are', () => {
    const stories = Array.from({ length: 3000 }, (_, i) => `## Story ${i}\n\nIn \`src/f${i}.ts\`.\n`);
    const text = `# Plan\n\n${stories.join('\n')}\n## Last\n\nBudget: $5 a day.\n`;
    const { reading } = anchorFromBlueprintReusing(blueprintOf(text), options, undefined);
    const edited = text.replace('Story 1\n', 'Story one\n');
    const again = anchorFromBlueprintReusing(blueprintOf(edited), options, reading);

    expect(again.anchor).toEqual(anchorFromBlueprint(blueprintOf(edited), options));
    expect(reading.labelled!.lines).toHaveLength(1);
    expect(again.reading.labelled!.lines[0]).toBe(reading.labelled!.lines[0]);
    expect(again.reading.labelled!.starts.length).toBeGreaterThan(3000);
  });

  it('reads a stretch again when the fence open before it changed', () => {
    const text = '# Plan\n\n```\n# Budget\nBudget: $5 a day.\n```\n\n# Scope\n\nScope: the cart.\n';
    const { reading } = anchorFromBlueprintReusing(blueprintOf(text), options, undefined);
    // The fence now never closes: what follows is code, the Scope section's label included.
    const opened = text.replace('```\n\n# Scope', '\n# Scope');
    const again = anchorFromBlueprintReusing(blueprintOf(opened), options, reading);

    expect(again.anchor).toEqual(anchorFromBlueprint(blueprintOf(opened), options));
    expect(again.anchor.typedPivots.find((p) => p.type === 'scope')?.statements).toEqual([]);
  });

  it('reads a stretch again when its wrapped statement read on into a section that changed', () => {
    // Sections as another reader might cut them: one starts inside the paragraph of a labelled line.
    const text = '# Plan\n\nBudget: at most\n$5 a day\nfor all runs.\n';
    const split = (t: string) => ({
      text: t,
      sections: [
        { title: 'Plan', level: 1, start: 0, end: t.length },
        { title: 'Limit', level: 2, start: t.indexOf('$'), end: t.length },
      ],
    });
    const { reading } = anchorFromBlueprintReusing(split(text), options, undefined);
    const edited = text.replace('$5', '$6');
    const again = anchorFromBlueprintReusing(split(edited), options, reading);

    expect(again.anchor).toEqual(anchorFromBlueprint(split(edited), options));
    const budget = again.anchor.typedPivots.find((p) => p.type === 'budget');
    expect(budget?.statements.map((s) => s.text)).toEqual(['Budget: at most\n$6 a day\nfor all runs.']);
  });

  it('reads the last stretch again when text follows where its wrapped statement read to the end', () => {
    const text = '# Plan\n\nBudget: at most $5 a day\n';
    const plan = { title: 'Plan', level: 1, start: 0, end: text.length };
    const { reading } = anchorFromBlueprintReusing({ text, sections: [plan] }, options, undefined);
    const longer = `${text}for all runs.\n`;
    const more = {
      text: longer,
      sections: [plan, { title: 'More', level: 1, start: text.length, end: longer.length }],
    };
    const again = anchorFromBlueprintReusing(more, options, reading);

    expect(again.anchor).toEqual(anchorFromBlueprint(more, options));
    const budget = again.anchor.typedPivots.find((p) => p.type === 'budget');
    expect(budget?.statements.map((s) => s.text)).toEqual(['Budget: at most $5 a day\nfor all runs.']);
  });

  /** The text cut into sections at each `|` (removed), the way another reader might cut it. */
  const cutAt = (marked: string): BlueprintForAnchor => {
    const parts = marked.split('|');
    const text = parts.join('');
    const starts = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('').length);
    const sections = [0, ...starts].map((start, i) => ({
      title: `S${i}`,
      level: 1,
      start,
      end: text.length,
    }));
    return { text, sections: sections.map((s, i) => ({ ...s, end: sections[i + 1]?.start ?? text.length })) };
  };

  it.each([
    [
      'a last line that grows into a labelled one',
      '# P\n|Note: hi\nBudget',
      '# P\n|Note: hi\nBudget: $5 a day',
    ],
    [
      'a blank line after a statement that fills',
      '# P\nBudget: five\n|\nmore\n',
      '# P\nBudget: five\n|Xmore\n',
    ],
    [
      'a statement read to the end of the text, which goes on',
      '# P\nBudget: at most\n|$5 a day',
      '# P\nBudget: at most\n|$5 a day\nfor all runs.',
    ],
  ])('reads again what depends on the text after it: %s', (_, before, after) => {
    const { reading } = anchorFromBlueprintReusing(cutAt(before), options, undefined);
    const again = anchorFromBlueprintReusing(cutAt(after), options, reading);
    expect(again.anchor).toEqual(anchorFromBlueprint(cutAt(after), options));
  });
});
