import { seededRandom } from '@autopilot/testing';
import { fakeSecrets, pseudoRandom } from '@autopilot/secret-scan/testing';
import { textEdit } from '../sections/section-blocks';
import { scanBlueprintSecrets, type BlueprintSecrets } from './blueprint-secrets';

/** Whole numbers and picks from `seededRandom`: the same seed, the same cases. */
function random(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T } {
  const next = seededRandom(seed);
  return { int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)]! };
}

/** Lines of a blueprint: headings, prose, secrets as pasted, PEM blocks whole and without END. */
function blueprintLines(seed: number): string[] {
  const s = fakeSecrets(seed);
  const begin = s.privateKeyPem.split('\n')[0]!;
  return [
    '# Goals',
    '## Storage',
    'The service keeps its state in one store.',
    '',
    `token = "${s.githubToken}"`,
    `DB_PASSWORD = "${s.password}"`,
    `postgres://app:${s.urlPassword}@db.internal:5432/shop`,
    `Authorization: Bearer ${s.jwt}`,
    s.privateKeyPem,
    `${begin}\n${s.privateKeyLines.join('\n')}`,
    begin,
    `password: ${pseudoRandom(seed, 12)}7`,
  ];
}

/** The sections the scan needs: one per heading line. */
function sectionsOf(text: string): { id: string; start: number }[] {
  const out: { id: string; start: number }[] = [];
  for (let at = 0; at < text.length; at = text.indexOf('\n', at) + 1 || text.length) {
    if (text[at] === '#') out.push({ id: `sec_${at}`, start: at });
  }
  return out;
}

function scanWhole(text: string): BlueprintSecrets {
  return scanBlueprintSecrets(text, sectionsOf(text), { label: 'plan.md' });
}

describe('scanBlueprintSecrets after an edit', () => {
  it('equals a whole scan (findings, lines, sections) after random edits', () => {
    let compared = 0;
    let withFindings = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = random(seed);
      const lines = blueprintLines(seed);
      let text = Array.from({ length: 30 + r.int(200) }, () => r.pick(lines)).join('\n');
      let scanned = scanWhole(text);
      for (let round = 0; round < 20; round++) {
        const start = r.int(text.length + 1);
        const end = start + r.int(Math.min(text.length - start, r.pick([0, 2, 40, 400])) + 1);
        const insert = r.pick(['', '\n', 'x', `\n${r.pick(lines)}\n`, r.pick(lines), '\r\n']);
        const next = text.slice(0, start) + insert + text.slice(end);
        const incremental = scanBlueprintSecrets(
          next,
          sectionsOf(next),
          { label: 'plan.md' },
          { text, scan: scanned.scan, edit: textEdit(text, next) },
        );
        const whole = scanWhole(next);
        expect({ seed, round, ...incremental }).toEqual({ seed, round, ...whole });
        compared++;
        if (whole.findings.length > 0) withFindings++;
        text = next;
        scanned = incremental;
      }
    }
    expect(withFindings).toBeGreaterThan(compared / 2);
  });

  it('counts lines within each file of a multi-file blueprint, and ignores an earlier scan there', () => {
    const s = fakeSecrets(2);
    const a = `# A\n\ntoken = "${s.githubToken}"\n`;
    const b = `# B\n\nmore\nDB_PASSWORD = "${s.password}"\n`;
    const text = a + b;
    const files = [
      { path: 'a.md', start: 0 },
      { path: 'b.md', start: a.length },
    ];
    const stale = { findings: [], lines: [] };
    const { findings } = scanBlueprintSecrets(
      text,
      sectionsOf(text),
      { files },
      {
        text,
        scan: stale,
        edit: textEdit(text, text),
      },
    );
    expect(findings.map((f) => [f.file, f.line, f.sectionId])).toEqual([
      ['a.md', 3, 'sec_0'],
      ['b.md', 4, `sec_${a.length}`],
    ]);
  });
});
