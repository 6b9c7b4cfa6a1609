import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { SHOP_PLAN } from '../../testing/sample-plans';
import { tasksFromPlan } from '../tasks/task-graph';
import { planFromSections } from './plan-from-sections';
import type { PlanGraph, PlannedNode } from './plan-graph';
import { toPlanNodeMessage } from './plan-node-message';
import {
  reusedPlanNodeMessage,
  sameAsPrevious,
  samePlannedNodeApartPositions,
  unchangedLineage,
} from './plan-reuse';
import { withSourceLines } from './plan-source-lines';

/** The plan of a text as planBlueprint derives it (rules, then lines), facts reused from `before`. */
function planned(text: string, before?: PlanGraph): PlanGraph {
  const blueprint = markdownBlueprint(text);
  const facts = new Map(
    (before?.nodes ?? []).flatMap((n) => n.sources.map((s) => [s.sectionId, s] as const)),
  );
  const graph = planFromSections(blueprint, {
    reuseFacts: (section) => {
      const source = facts.get(section.id);
      return source && source.hash === section.hash ? source.facts : undefined;
    },
  });
  return withSourceLines(graph, blueprint);
}

const byId = (plan: PlanGraph) => new Map(plan.nodes.map((n) => [n.id, n] as const));
/** The node of `plan.nodes[i]`'s id in `before`. */
const previousOf = (plan: PlanGraph, before: PlanGraph) => {
  const nodes = byId(before);
  return (i: number) => nodes.get(plan.nodes[i]!.id);
};

/** SHOP_PLAN with two lines more above everything: every position moves, nothing else changes. */
const MOVED = SHOP_PLAN.replace('We rebuild', 'One more line.\n\nWe rebuild');

describe('samePlannedNodeApartPositions', () => {
  const v1 = planned(SHOP_PLAN);
  const v2 = planned(MOVED, v1);
  const story = (plan: PlanGraph) => plan.nodes.find((n) => n.title === 'Story 1.2: User model')!;

  it('holds for a node that only moved, and compares reused facts by identity', () => {
    expect(story(v2).start).toBeGreaterThan(story(v1).start);
    expect(story(v2).sources[0]!.facts).toBe(story(v1).sources[0]!.facts);
    expect(samePlannedNodeApartPositions(story(v2), story(v1))).toBe(true);
    expect([...sameAsPrevious(v2.nodes, previousOf(v2, v1))].every((same) => same === 1)).toBe(true);
  });

  it('compares facts read again as data', () => {
    const again = planned(MOVED);
    expect(story(again).sources[0]!.facts).not.toBe(story(v1).sources[0]!.facts);
    expect(samePlannedNodeApartPositions(story(again), story(v1))).toBe(true);
  });

  it('fails for any other difference, and for positions present in one only', () => {
    const node = story(v1);
    const changes: Partial<PlannedNode>[] = [
      { title: 'Story 1.2: Users' },
      { priority: node.priority + 1 },
      { dependsOn: [] },
      { body: `${node.body}.` },
      { reasons: { ...node.reasons, risk: 'high: it says so' } },
      { startLine: undefined },
      { sources: [{ ...node.sources[0]!, hash: 'other' }, ...node.sources.slice(1)] },
      { sources: [{ ...node.sources[0]!, facts: { ...node.sources[0]!.facts, filePaths: ['x.ts'] } }] },
    ];
    for (const change of changes)
      expect(samePlannedNodeApartPositions({ ...node, ...change }, node)).toBe(false);
  });

  it('counts a node unchanged only while its ancestors are', () => {
    const nodes = v2.nodes;
    const same = new Uint8Array(nodes.length).fill(1);
    const phase = nodes.findIndex((n) => n.title === 'Phase 1: Foundation');
    same[phase] = 0;
    const parent = Int32Array.from(nodes, (n) => nodes.findIndex((m) => m.id === n.parentId));
    const lineage = unchangedLineage({ nodes, parent }, same);
    const under = nodes.findIndex((n) => n.title === 'Story 1.2: User model');
    const elsewhere = nodes.findIndex((n) => n.title === 'Story 2.3: Docs');
    expect([lineage[phase], lineage[under], lineage[elsewhere]]).toEqual([0, 0, 1]);
  });
});

describe('reuse of what the last planning built', () => {
  const v1 = planned(SHOP_PLAN);
  const tasks1 = tasksFromPlan(v1);
  const v2 = planned(MOVED, v1);
  const v1ById = byId(v1);
  const previous = () => ({
    nodeOf: (id: string) => v1ById.get(id),
    taskOf: (id: string) => tasks1.tasks.find((t) => t.id === id),
    same: sameAsPrevious(v2.nodes, previousOf(v2, v1)),
    nodes: v1.nodes,
    graph: tasks1,
  });

  it('gives the tasks planning from scratch gives, the moved ones as copies sharing their parts', () => {
    const scratch = tasksFromPlan(v2);
    const reusing = tasksFromPlan(v2, previous());
    expect(reusing).toEqual(scratch);
    expect(JSON.stringify(reusing.tasks)).toBe(JSON.stringify(scratch.tasks));
    const moved = reusing.tasks.find((t) => t.title === 'Story 1.2: User model')!;
    const before = tasks1.tasks.find((t) => t.id === moved.id)!;
    expect(moved).not.toBe(before);
    expect(moved.source!.startLine).toBe(before.source!.startLine + 2);
    expect(moved.description).toBe(before.description);
    expect(moved.dependsOn).toBe(before.dependsOn);
  });

  it('makes a task again when a node it comes after is renamed (its description names it)', () => {
    // Story 1.1 renamed, its section id kept (as ingestion may): Story 1.2, which comes after it, is
    // itself unchanged, but its task's description names Story 1.1.
    const text = SHOP_PLAN.replace('### Story 1.1: Project skeleton', '### Story 1.1: Skeleton');
    const kept = v1.nodes.find((n) => n.title === 'Story 1.1: Project skeleton')!.sectionId;
    const blueprint = markdownBlueprint(text);
    const sections = blueprint.sections.map((s) =>
      s.title === 'Story 1.1: Skeleton' ? { ...s, id: kept } : s,
    );
    const renamed = withSourceLines(planFromSections({ ...blueprint, sections }), blueprint);
    const same = sameAsPrevious(renamed.nodes, previousOf(renamed, v1));
    const after = renamed.nodes.findIndex((n) => n.title === 'Story 1.2: User model');
    expect(same[after]).toBe(1);
    const scratch = tasksFromPlan(renamed);
    const reusing = tasksFromPlan(renamed, { ...previous(), same });
    expect(JSON.stringify(reusing.tasks)).toBe(JSON.stringify(scratch.tasks));
    const task = reusing.tasks.find((t) => t.title === 'Story 1.2: User model')!;
    expect(task.description).toContain('- Story 1.1: Skeleton:');
  });

  it('gives the message toPlanNodeMessage gives: the last one when nothing moved, else a moved copy', () => {
    const node = v1.nodes[3]!;
    const message = toPlanNodeMessage(node, ['task-1']);
    expect(reusedPlanNodeMessage(node, ['task-1'], message)).toBe(message);
    expect(reusedPlanNodeMessage(node, ['task-2'], message)).toBeUndefined();
    const moved = v2.nodes.find((n) => n.id === node.id)!;
    const copy = reusedPlanNodeMessage(moved, ['task-1'], message)!;
    expect(JSON.stringify(copy)).toBe(JSON.stringify(toPlanNodeMessage(moved, ['task-1'])));
  });
});
