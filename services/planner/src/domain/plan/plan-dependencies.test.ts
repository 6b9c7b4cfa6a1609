import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { missingDependencyError } from '../../testing/missing-dependency';
import { planFromSections } from './plan-from-sections';
import type { PlanGraph, PlannedNode } from './plan-graph';
import { headingSlug } from './plan-dependencies';

function node(plan: PlanGraph, title: string): PlannedNode {
  const found = plan.nodes.find((n) => n.title === title);
  if (!found) throw new Error(`no node "${title}" in ${plan.nodes.map((n) => n.title).join(' | ')}`);
  return found;
}
function dependencyTitles(plan: PlanGraph, title: string): string[] {
  const byId = new Map(plan.nodes.map((n) => [n.id, n.title]));
  return node(plan, title).dependsOn.map((id) => byId.get(id) ?? `?${id}`);
}
const missingError = missingDependencyError;

/**
 * A design document in the style of the team's DESIGN.md / STYLE.md: numbered sections of prose in
 * which "depends on" is English, code with `#` lines and a "depends on" in it, tables, and a few
 * dependencies the document really states.
 */
const DESIGN_DOC = [
  '# Relay — design',
  '',
  'How the relay moves messages and what the work is.',
  '',
  '## 1. Delivery rules (how nothing gets lost)',
  '',
  '- The tick reconciles stored state with what is in flight (runs whose lease expired,',
  '  tasks ready but not dispatched), so recovery never depends on one message surviving.',
  '- Startup depends on the network being up; how long it waits depends on whether a broker answers.',
  '- A replayed event does not depend on the order of delivery, and no longer depends on clocks.',
  '',
  '## 2. Dependency rules (lint-enforced)',
  '',
  "DDH's `.dependency-cruiser.js` has one, and its domain now depends on request context.",
  'The parser flags "depends on" notes, and reads `a depends on b` in code spans as code.',
  '',
  '| from | may import | depends on |',
  '|---|---|---|',
  '| domain | kernel | nothing else |',
  '| gateway | app | every service |',
  '',
  '```bash',
  '# not a heading: depends on Story 9.9',
  'npm run build',
  '```',
  '',
  '## 3. Work',
  '',
  '### Story 3.1: Outbox table',
  '',
  'Create `src/outbox/outbox.ts`. Prerequisites: Node 20, a scratch database.',
  '',
  '### Story 3.2: Relay loop',
  '',
  'Depends on Story 3.1.',
  '',
  'Write `src/relay/relay.ts`; it never depends on one message surviving.',
  '',
  '### Story 3.3: Dead letters',
  '',
  'Blocked by: [the relay loop](#story-32-relay-loop)',
  '',
  'Write `src/relay/dead-letter.ts` after Story 3.2 is merged.',
  '',
  '### Story 3.4: Docs',
  '',
  'Write `docs/relay.md`.',
  '',
  '## 4. Order',
  '',
  'Story 3.4 depends on Story 3.3.',
  '',
].join('\n');

describe('planFromSections on a design document whose prose says "depends on"', () => {
  const plan = planFromSections(markdownBlueprint(DESIGN_DOC));

  it('plans: every real heading is a node, none from the code fence', () => {
    expect(plan.nodes.map((n) => n.title)).toEqual([
      '1. Delivery rules (how nothing gets lost)',
      '2. Dependency rules (lint-enforced)',
      '3. Work',
      'Story 3.1: Outbox table',
      'Story 3.2: Relay loop',
      'Story 3.3: Dead letters',
      'Story 3.4: Docs',
      '4. Order',
    ]);
  });

  it('reads no dependency from prose, negations, quotes, code or a table of free text', () => {
    for (const title of [
      '1. Delivery rules (how nothing gets lost)',
      '2. Dependency rules (lint-enforced)',
      'Story 3.1: Outbox table',
    ]) {
      expect({ title, dependsOn: node(plan, title).dependsOn }).toEqual({ title, dependsOn: [] });
    }
    expect(node(plan, '1. Delivery rules (how nothing gets lost)').externalDependencies).toEqual([]);
    // The rows name no plan item ("domain", "gateway"): dropped, not failed on.
    expect(node(plan, '2. Dependency rules (lint-enforced)').externalDependencies).toEqual([]);
  });

  it('keeps a free-text prerequisite list as notes', () => {
    expect(node(plan, 'Story 3.1: Outbox table').externalDependencies).toEqual([
      'Node 20',
      'scratch database',
    ]);
  });

  it('finds the dependencies the document states: labels, links, "after" and a subject in prose', () => {
    expect(dependencyTitles(plan, 'Story 3.2: Relay loop')).toEqual(['Story 3.1: Outbox table']);
    expect(dependencyTitles(plan, 'Story 3.3: Dead letters')).toEqual(['Story 3.2: Relay loop']);
    // Stated in "4. Order" about Story 3.4, not about the section it is written in.
    expect(dependencyTitles(plan, 'Story 3.4: Docs')).toEqual(['Story 3.3: Dead letters']);
    expect(node(plan, '4. Order').dependsOn).toEqual([]);
  });
});

describe('planFromSections on a checklist whose items name each other by one word', () => {
  const plan = planFromSections(
    markdownBlueprint(
      [
        '# Dark mode',
        '',
        '- [ ] Tests for the theme switch',
        '- [ ] Toggle in the settings page',
        '- [ ] Persist the preference, after the toggle is done',
        '- [ ] Release notes, after tests pass',
        '',
      ].join('\n'),
    ),
  );

  it('reads "after the toggle is done" as the item "Toggle …", and "after tests pass" as nothing', () => {
    expect(dependencyTitles(plan, 'Persist the preference')).toEqual(['Toggle in the settings page']);
    expect(dependencyTitles(plan, 'Release notes')).toEqual([]);
  });
});

describe('planFromSections still rejects a stated reference that names nothing', () => {
  it('"Depends on Story 9.9" with no such story: names the section, the reference and its line', () => {
    const text = DESIGN_DOC.replace('Depends on Story 3.1.', 'Depends on Story 9.9.');
    const err = missingError(text);
    expect(err.code).toBe('PLANNER_MISSING_DEPENDENCY');
    expect(err.missing).toHaveLength(1);
    const [missing] = err.missing;
    expect(missing).toMatchObject({
      nodeTitle: 'Story 3.2: Relay loop',
      reference: 'Story 9.9',
      line: text.split('\n').indexOf('Depends on Story 9.9.') + 1,
    });
    expect(text.slice(missing!.offset, missing!.offset + 'Story 9.9'.length)).toBe('Story 9.9');
    expect(err.message).toContain('"Story 3.2: Relay loop"');
    expect(err.message).toContain('"Story 9.9"');
  });

  it.each([
    ['after a quoted title', 'Ship it after "Card payments".', 'Card payments'],
    ['a section number', 'Depends on section 7.', 'section 7'],
    ['an in-document link', 'Blocked by [payments](#payments).', '[payments](#payments)'],
    ['a bare reference in a list', 'Depends on: Story 1, `Story 8`', 'Story 8'],
    ['a prose subject', 'Story 6 depends on Story 1.', 'Story 6'],
  ])('%s', (_shape, line, reference) => {
    const err = missingError(['## Story 1: Login', 'Add the form.', '## Story 2: Logout', line].join('\n'));
    expect(err.missing.map((m) => m.reference)).toEqual([reference]);
  });
});

describe('headingSlug', () => {
  it('is the anchor a markdown renderer gives a heading', () => {
    expect(headingSlug('Story 3.2: Relay loop')).toBe('story-32-relay-loop');
    expect(headingSlug('**Phase 1** — `API`')).toBe('phase-1--api');
  });
});
