import { seededRandom } from '@autopilot/testing';
import { editedPlan, generatedPlan } from '../../testing/edited-plans';
import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { SHOP_PLAN } from '../../testing/sample-plans';
import { derivePlanAfterEdit } from './plan-from-edit';
import { derivePlan, type PlanDerivation } from './plan-from-sections';

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
        text = editedPlan(text, rand);
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
