import { seededRandom } from '@autopilot/testing';
import { editedPlan, generatedPlan } from '../../testing/edited-plans';
import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { derivePlanAfterEdit } from './plan-from-edit';
import { derivePlan } from './plan-from-sections';
import { withSourceLines } from './plan-source-lines';

describe('withSourceLines', () => {
  it('numbers lines from 1, the last one holding the node’s last character', () => {
    const text = '# A\n\nOne.\n\n# B\n\nTwo.\nThree.\n';
    const blueprint = markdownBlueprint(text);
    const lined = withSourceLines(derivePlan(blueprint).graph, blueprint);
    expect(lined.nodes.map((n) => [n.title, n.startLine, n.endLine])).toEqual([
      ['A', 1, 3],
      ['B', 5, 8],
    ]);
  });

  it('gives what it gives from scratch when reusing the last nodes, over seeded random edits', () => {
    let reused = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seededRandom(seed);
      let text = generatedPlan(rand);
      let blueprint = markdownBlueprint(text);
      let derivation = derivePlan(blueprint);
      let lined = withSourceLines(derivation.graph, blueprint);
      for (let step = 0; step < 6; step++) {
        text = editedPlan(text, rand);
        const next = markdownBlueprint(text, { version: step + 2 });
        const nextDerivation = derivePlanAfterEdit(next, derivation);
        const before = { given: derivation.graph.nodes, lined: lined.nodes, blueprint };
        const reusing = withSourceLines(nextDerivation.graph, next, before);
        const context = `seed ${seed}, edit ${step}`;
        expect({ context, nodes: JSON.stringify(reusing.nodes) }).toEqual({
          context,
          nodes: JSON.stringify(withSourceLines(nextDerivation.graph, next).nodes),
        });
        reused += reusing.nodes.filter((n, i) => n === lined.nodes[i]).length;
        [blueprint, derivation, lined] = [next, nextDerivation, reusing];
      }
    }
    expect(reused).toBeGreaterThan(500);
  });

  it('does not reuse a node whose lines changed though its offsets did not', () => {
    // The same length, one more line break: offsets stay, lines move.
    const text = '# A\n\nOne two.\n\n# B\n\nTwo.\n';
    const edited = text.replace('One two.', 'One\ntwo.');
    const first = markdownBlueprint(text);
    const derivation = derivePlan(first);
    const lined = withSourceLines(derivation.graph, first);
    const next = markdownBlueprint(edited, { version: 2 });
    const again = derivePlanAfterEdit(next, derivation);
    const reusing = withSourceLines(again.graph, next, {
      given: derivation.graph.nodes,
      lined: lined.nodes,
      blueprint: first,
    });
    expect(again.graph.nodes[1]).toBe(derivation.graph.nodes[1]);
    expect(lined.nodes.map((n) => [n.startLine, n.endLine])).toEqual([
      [1, 3],
      [5, 7],
    ]);
    expect(reusing.nodes.map((n) => [n.startLine, n.endLine])).toEqual([
      [1, 4],
      [6, 8],
    ]);
  });
});
