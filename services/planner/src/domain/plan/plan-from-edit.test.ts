import { seededRandom } from '@autopilot/testing';
import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { SHOP_PLAN } from '../../testing/sample-plans';
import { derivePlanAfterEdit } from './plan-from-edit';
import { derivePlan, type PlanDerivation } from './plan-from-sections';

/** A plan in the styles the rules read: phases, stories, facets, dependencies, risks, steps, checklists. */
function generatedPlan(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines = ['Some words before the first heading explain the plan.', '', '# Platform rewrite', ''];
  const phases = 2 + Math.floor(rand() * 3);
  for (let p = 1; p <= phases; p++) {
    lines.push(`## Phase ${p}: ${pick(['Foundation', 'Checkout', 'Launch', 'Search'])} work`, '');
    lines.push(pick(['The phase sets things up.', 'Run the stories in order.', '', 'P1 work.']), '');
    const stories = 1 + Math.floor(rand() * 4);
    for (let s = 1; s <= stories; s++) {
      lines.push(
        `### Story ${p}.${s}: ${pick(['User model', 'Card payments', 'Receipts', 'Docs'])} ${s}`,
        '',
      );
      lines.push(pick(['Build it in `src/app.ts`.', 'Write the schema.', 'Add `npm test` checks.', '']));
      if (rand() < 0.3) lines.push(`Depends on: Story ${p}.${Math.max(1, s - 1)}`);
      if (rand() < 0.2) lines.push('This touches the auth migration.');
      lines.push('');
      if (rand() < 0.4) lines.push('#### Acceptance criteria', '', '- it works', '- it is tested', '');
      if (rand() < 0.2) lines.push('#### Files', '', '- `src/model.ts`', '');
      if (rand() < 0.15) lines.push('- [ ] First item', '- [ ] Second item', '');
    }
    if (rand() < 0.4) {
      lines.push(`### Rollout ${p}`, '', rand() < 0.5 ? 'Do these in order.' : 'Roll it out.', '');
      lines.push(`#### 1. Prepare`, '', 'Prepare it.', '', `#### 2. Apply`, '', 'Apply it.', '');
    }
  }
  return lines.join('\n');
}

/** Line indexes of the text that are not headings (where an edit keeps the heading tree). */
function bodyLines(lines: readonly string[]): number[] {
  return lines.flatMap((l, i) => (/^#{1,6}\s/.test(l) ? [] : [i]));
}

/** One random edit: most keep the heading tree and touch one section's text; some change what the rules read globally. */
function edited(text: string, rand: () => number): string {
  const lines = text.split('\n');
  const body = bodyLines(lines);
  const at = body[Math.floor(rand() * body.length)]!;
  const headings = lines.flatMap((l, i) => (/^#{2,6}\s/.test(l) ? [i] : []));
  const roll = rand();
  if (roll < 0.25) lines[at] = `${lines[at]} Changed words here.`;
  else if (roll < 0.35) lines.splice(at, 0, 'Also update `src/extra.ts` and run `npm run lint`.');
  else if (roll < 0.42) lines.splice(at, 0, 'Depends on: Story 1.1');
  else if (roll < 0.48) lines.splice(at, 0, 'This needs a data migration.');
  else if (roll < 0.53) lines.splice(at, 0, 'Priority: P0');
  else if (roll < 0.58) lines.splice(at, 0, '- [ ] A new item', '- [ ] Another item');
  else if (roll < 0.62) {
    // Said under a heading over numbered sections, it orders them (addStepOrder).
    const rollout = lines.findIndex((l) => l.startsWith('### Rollout'));
    lines.splice(rollout < 0 ? at : rollout + 1, 0, 'These run in order.');
  } else if (roll < 0.67) lines[at] = '';
  else if (roll < 0.72) {
    const h = headings[Math.floor(rand() * headings.length)]!;
    lines[h] = `${lines[h]} renamed`;
  } else if (roll < 0.76) lines.splice(at, 0, '', '### Story 9.9: Added later', '', 'New work.', '');
  else if (roll < 0.8) lines[0] = 'The preamble changed. - [ ] not a task';
  else if (roll < 0.85) lines.splice(at, 1);
  else {
    // Several local edits at once.
    for (let k = 0; k < 3; k++) {
      const i = body[Math.floor(rand() * body.length)]!;
      lines[i] = `${lines[i]} More.`;
    }
  }
  return lines.join('\n');
}

describe('derivePlanAfterEdit', () => {
  it('gives exactly the plan deriving whole gives, over seeded random edits in sequence', () => {
    const how = { edit: 0, whole: 0 };
    for (let seed = 1; seed <= 60; seed++) {
      const rand = seededRandom(seed);
      let text = generatedPlan(rand);
      let version = 1;
      let previous: PlanDerivation = derivePlan(markdownBlueprint(text, { version }));
      // A chain of edits: each starts from the derivation the last one made, edit-made or whole.
      for (let step = 0; step < 8; step++) {
        text = edited(text, rand);
        version++;
        const blueprint = markdownBlueprint(text, { version });
        const got = derivePlanAfterEdit(blueprint, previous);
        const want = derivePlan(blueprint);
        const context = `seed ${seed}, edit ${step} (${got.how})`;
        expect({ context, plan: JSON.stringify(got.graph) }).toEqual({
          context,
          plan: JSON.stringify(want.graph),
        });
        how[got.how]++;
        previous = got;
      }
    }
    // Both paths ran, often: an edit path that never runs would prove nothing.
    expect(how.edit).toBeGreaterThan(100);
    expect(how.whole).toBeGreaterThan(100);
  });

  it('re-builds only the nodes the edited text feeds, and moves the others', () => {
    const first = derivePlan(markdownBlueprint(SHOP_PLAN, { version: 1 }));
    const text = SHOP_PLAN.replace(
      '## Phase 1: Foundation\n',
      '## Phase 1: Foundation\n\nA new line of prose.\n',
    );
    expect(text).not.toBe(SHOP_PLAN);
    const got = derivePlanAfterEdit(markdownBlueprint(text, { version: 2 }), first);
    expect(got.how).toBe('edit');
    const phase = first.graph.nodes.findIndex((n) => n.title === 'Phase 1: Foundation');
    got.graph.nodes.forEach((node, i) => {
      const before = first.graph.nodes[i]!;
      // Nodes before the edit are the same objects; after it, copies at their new positions.
      if (i < phase) expect(node).toBe(before);
      if (i > phase) {
        expect(node).not.toBe(before);
        expect(node.start - before.start).toBe('\nA new line of prose.\n'.length);
        expect(node.body).toBe(before.body);
      }
    });
    expect(got.graph.nodes[phase]!.body).toContain('A new line of prose.');
  });

  it('derives whole when there is no earlier derivation or the heading tree changed', () => {
    const blueprint = markdownBlueprint(SHOP_PLAN, { version: 1 });
    expect(derivePlanAfterEdit(blueprint, undefined).how).toBe('whole');
    const renamed = markdownBlueprint(SHOP_PLAN.replace('Story 3.2: Go live', 'Story 3.2: Go'), {
      version: 2,
    });
    expect(derivePlanAfterEdit(renamed, derivePlan(blueprint)).how).toBe('whole');
  });
});
