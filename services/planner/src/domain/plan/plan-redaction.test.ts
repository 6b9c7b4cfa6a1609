import { seededRandom } from '@autopilot/testing';
import { findSecrets, type SecretFinding } from '@autopilot/secret-scan';
import { fakeSecrets, pseudoRandom } from '@autopilot/secret-scan/testing';
import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { planFromSections } from './plan-from-sections';
import { planningView } from './plan-redaction';

const s = fakeSecrets(9);

describe('planningView', () => {
  const text = [
    `# Ops with ${s.githubToken}`,
    '',
    s.privateKeyPem,
    '',
    '## Story 1: Rotate keys',
    '',
    `Rotate ${s.stripeKey} and \`src/keys.ts\`.`,
    '',
    '## Story 2: Audit',
    '',
    'Write `src/audit.ts`.',
    '',
  ].join('\n');
  const blueprint = markdownBlueprint(text);
  const view = planningView(blueprint);

  it('replaces each secret by its marker in the text and the titles, keeping ids, hashes and line count', () => {
    const copy = view.blueprint;
    expect(view.redactions).toBe(3);
    expect(copy.text).toContain('[redacted: private-key]');
    expect(copy.text).toContain('Rotate [redacted: stripe-access-token] and');
    expect(copy.text.split('\n')).toHaveLength(text.split('\n').length);
    expect(copy.sections[0]?.title).toBe('Ops with [redacted: github-pat]');
    expect(copy.title).not.toContain(s.githubToken);
    expect(copy.sections.map((x) => [x.id, x.hash])).toEqual(blueprint.sections.map((x) => [x.id, x.hash]));
    // Sections still start at their headings in the copy.
    for (const section of copy.sections) expect(copy.text.slice(section.start).startsWith('#')).toBe(true);
    expect(copy.sections.at(-1)?.end).toBe(copy.text.length);
  });

  it('maps a graph planned on the copy back to the offsets of the original text', () => {
    const graph = view.restoreGraph(planFromSections(view.blueprint));
    const original = planFromSections(blueprint);
    expect(graph.nodes.map((n) => [n.id, n.start, n.end])).toEqual(
      original.nodes.map((n) => [n.id, n.start, n.end]),
    );
  });

  it('is the blueprint itself when it holds no secret', () => {
    const clean = markdownBlueprint('# Shop\n\n## Story 1: Cart\n\nCreate `src/cart.ts`.\n');
    expect(planningView(clean).blueprint).toBe(clean);
  });
});

describe('planningView from the scan of the version it is an edit of', () => {
  /** Whole numbers and picks from `seededRandom`: the same seed, the same cases. */
  function random(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T } {
    const next = seededRandom(seed);
    return { int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)]! };
  }

  function lines(seed: number): string[] {
    const k = fakeSecrets(seed);
    const begin = k.privateKeyPem.split('\n')[0]!;
    return [
      `# Ops with ${k.githubToken}`,
      '## Story: Rotate keys',
      `Rotate ${k.stripeKey} and \`src/keys.ts\`.`,
      'Write `src/audit.ts`.',
      '',
      k.privateKeyPem,
      `${begin}\n${k.privateKeyLines.join('\n')}`,
      `DB_PASSWORD = "${k.password}"`,
      `postgres://app:${k.urlPassword}@db.internal:5432/shop`,
      `password: ${pseudoRandom(seed, 12)}7`,
    ];
  }

  /** What a view decides: the copy planned, how many secrets, the planner's own findings, the way back. */
  function decided(view: ReturnType<typeof planningView>) {
    const graph = planFromSections(view.blueprint);
    return {
      blueprint: view.blueprint,
      redactions: view.redactions,
      ownFindings: view.ownFindings,
      restored: view.restoreGraph(graph).nodes.map((n) => [n.id, n.start, n.end]),
    };
  }

  it('is the view of a whole scan after random edits (secrets, PEM blocks, CRLF), announced findings or not', () => {
    let compared = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const r = random(seed);
      const pieces = lines(seed);
      let text = ['# Plan', ...Array.from({ length: 20 + r.int(80) }, () => r.pick(pieces))].join('\n');
      let own: readonly SecretFinding[] = findSecrets(text);
      for (let round = 0; round < 12; round++) {
        const start = r.int(text.length + 1);
        const end = start + r.int(Math.min(text.length - start, r.pick([0, 3, 60, 500])) + 1);
        const insert = r.pick(['', '\n', 'x', `\n${r.pick(pieces)}\n`, r.pick(pieces), '\r\n']);
        const next = text.slice(0, start) + insert + text.slice(end);
        const blueprint = markdownBlueprint(next);
        // Ingestion's findings announced on some versions: the view merges them in either way.
        if (round % 3 === 0) blueprint.secretFindings = findSecrets(next).map((f) => ({ ...f, line: 1 }));
        const incremental = planningView(blueprint, { findings: own, edits: [{ start, end, text: insert }] });
        expect({ seed, round, ...decided(incremental) }).toEqual({
          seed,
          round,
          ...decided(planningView(blueprint)),
        });
        compared++;
        text = next;
        own = incremental.ownFindings;
      }
    }
    expect(compared).toBe(25 * 12);
  });

  it('finds by itself what an edit adds, whatever ingestion announced', () => {
    const clean = '# Shop\n\n## Story 1: Cart\n\nCreate `src/cart.ts`.\n';
    const earlier = planningView(markdownBlueprint(clean));
    const insert = `\ntoken = "${s.githubToken}"\n`;
    const at = clean.indexOf('Create');
    const edited = markdownBlueprint(clean.slice(0, at) + insert + clean.slice(at));
    const view = planningView(edited, {
      findings: earlier.ownFindings,
      edits: [{ start: at, end: at, text: insert }],
    });
    expect(view.redactions).toBe(1);
    expect(view.blueprint.text).not.toContain(s.githubToken);
  });
});
