import { fakeSecrets } from '@autopilot/secret-scan/testing';
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
