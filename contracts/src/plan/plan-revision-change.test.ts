import type { IntentionAnchor } from '../shared/intention-anchor';
import type { PlanNode } from '../shared/plan-node';
import type { TaskSpec } from '../shared/task-spec';
import { seededRandom } from '../test-support/seeded-random';
import type { TasksGeneratedV1 } from '../tasks/tasks-generated.v1';
import { TasksGeneratedV2 } from '../tasks/tasks-generated.v2';
import { validate } from '../validate';
import type { PlanGeneratedV1 } from './plan-generated.v1';
import { PlanGeneratedV2 } from './plan-generated.v2';
import {
  applyPlanNodesChange,
  applyTaskGraphChange,
  planGeneratedChange,
  PlanChangeMismatchError,
  planNodesChange,
  taskGraphChange,
  tasksGeneratedChange,
  wholePlanGenerated,
  wholeTasksGenerated,
} from './plan-revision-change';

/**
 * A blueprint as the test edits it: phases of stories, each story some characters and lines long.
 * Its plan has a node per phase (spanning its stories) and per story, and a task per story, at the
 * offsets and lines the lengths before it give: so a story that grows moves everything after it.
 */
interface Story {
  key: string;
  title: string;
  chars: number;
  lines: number;
  risk: 'low' | 'high';
  afterPrevious: boolean;
  /** Text after the story that belongs to no node: an edit there moves what follows, alone. */
  gapChars: number;
  gapLines: number;
}
type Doc = { key: string; title: string; stories: Story[] }[];

function planOf(doc: Doc): { nodes: PlanNode[]; tasks: TaskSpec[] } {
  const nodes: PlanNode[] = [];
  const tasks: TaskSpec[] = [];
  let offset = 0;
  let line = 1;
  for (const phase of doc) {
    const phaseNode: PlanNode = {
      id: `node-${phase.key}`,
      kind: 'phase',
      title: phase.title,
      start: offset,
      end: offset,
      startLine: line,
      endLine: line,
      priority: nodes.length,
      risk: 'low',
      status: 'planned',
    };
    nodes.push(phaseNode);
    offset += 10;
    line += 1;
    let previous: string | undefined;
    for (const story of phase.stories) {
      const id = `task-${story.key}`;
      nodes.push({
        id: `node-${story.key}`,
        kind: 'story',
        title: story.title,
        parentId: phaseNode.id,
        start: offset,
        end: offset + story.chars,
        startLine: line,
        endLine: line + story.lines - 1,
        priority: 1,
        risk: story.risk,
        status: 'planned',
        taskIds: [id],
      });
      tasks.push({
        id,
        title: story.title,
        kind: 'code',
        planNodeId: `node-${story.key}`,
        dependsOn: story.afterPrevious && previous ? [previous] : [],
        scopePaths: [`src/${story.key}.ts`],
        validationCommands: [['npm', 'test']],
        source: { startLine: line, endLine: line + story.lines - 1 },
      });
      previous = id;
      offset += story.chars + story.gapChars;
      line += story.lines + story.gapLines;
    }
    phaseNode.end = offset;
    phaseNode.endLine = line - 1;
  }
  return { nodes, tasks };
}

function docOf(phases: number, stories: number): Doc {
  return Array.from({ length: phases }, (_, p) => ({
    key: `p${p}`,
    title: `Phase ${p}`,
    stories: Array.from({ length: stories }, (_, s) => ({
      key: `p${p}s${s}`,
      title: `Story ${p}.${s}`,
      chars: 100 + ((p * 7 + s * 13) % 50),
      lines: 3 + (s % 4),
      risk: 'low' as const,
      afterPrevious: s % 3 !== 0,
      gapChars: 1,
      gapLines: 1,
    })),
  }));
}

/** One random edit of the kinds a re-plan meets. */
function edit(doc: Doc, next: () => number, round: number): Doc {
  const copy: Doc = doc.map((p) => ({ ...p, stories: p.stories.map((s) => ({ ...s })) }));
  const phase = copy[Math.floor(next() * copy.length)]!;
  const at = Math.floor(next() * phase.stories.length);
  const story = phase.stories[at];
  switch (Math.floor(next() * 9)) {
    case 0: // text added or cut: everything after it moves
      if (story) {
        story.chars = Math.max(1, story.chars + Math.floor(next() * 80) - 40);
        story.lines = Math.max(1, story.lines + Math.floor(next() * 5) - 2);
      }
      break;
    case 1:
      if (story) story.title = `${story.title} (renamed ${round})`;
      break;
    case 2:
      phase.stories.splice(at, 0, {
        key: `new${round}`,
        title: `New story ${round}`,
        chars: 120,
        lines: 4,
        risk: 'high',
        afterPrevious: next() < 0.5,
        gapChars: 1,
        gapLines: 1,
      });
      break;
    case 3:
      phase.stories.splice(at, 1);
      break;
    case 4:
      if (story) story.afterPrevious = !story.afterPrevious;
      break;
    case 5: {
      // A story moved elsewhere: the same node at another place.
      const [moved] = phase.stories.splice(at, 1);
      const to = copy[Math.floor(next() * copy.length)]!;
      if (moved) to.stories.splice(Math.floor(next() * (to.stories.length + 1)), 0, moved);
      break;
    }
    case 6: // text between stories: characters on a line, or lines
      if (story && next() < 0.5) story.gapChars += Math.floor(next() * 20) + 1;
      else if (story) story.gapLines = Math.max(0, story.gapLines + Math.floor(next() * 5) - 2);
      break;
    case 7: {
      // Two neighbours swap places: both the same, each moved its own way.
      const other = phase.stories[at + 1];
      if (story && other) phase.stories.splice(at, 2, other, story);
      break;
    }
    default:
      if (story) story.risk = story.risk === 'low' ? 'high' : 'low';
  }
  return copy;
}

/** `next` apart from positions: what a kept run may leave out. */
function samePlacedApart<T>(a: T, b: T, blank: (x: T) => unknown): boolean {
  return JSON.stringify(blank(a)) === JSON.stringify(blank(b));
}
const blankNode = (n: PlanNode) => ({
  ...n,
  start: 0,
  end: n.end - n.start,
  startLine: 0,
  endLine: (n.endLine ?? 0) - (n.startLine ?? 0),
});
const blankTask = (t: TaskSpec) =>
  t.source
    ? { ...t, source: { ...t.source, startLine: 0, endLine: t.source.endLine - t.source.startLine } }
    : t;

describe('plan revision changes', () => {
  it('give back the next revision exactly, for random edits, and send whole only what changed', () => {
    const next = seededRandom(23);
    let doc = docOf(6, 12);
    for (let round = 0; round < 400; round++) {
      const base = planOf(doc);
      doc = edit(doc, next, round);
      const target = planOf(doc);

      const nodes = planNodesChange(base.nodes, target.nodes);
      const applied = applyPlanNodesChange(base.nodes, nodes);
      expect(JSON.stringify(applied)).toBe(JSON.stringify(target.nodes));
      const tasks = taskGraphChange(base.tasks, target.tasks);
      expect(JSON.stringify(applyTaskGraphChange(base.tasks, tasks))).toBe(JSON.stringify(target.tasks));

      // Whole: exactly the items the base does not have, or has other than moved.
      const baseNode = new Map(base.nodes.map((n) => [n.id, n]));
      const changedNodes = target.nodes.filter((n) => {
        const b = baseNode.get(n.id);
        return !b || !samePlacedApart(b, n, blankNode);
      });
      expect(nodes.filter((e) => !('keep' in e))).toEqual(changedNodes);
      const baseTask = new Map(base.tasks.map((t) => [t.id, t]));
      const changedTasks = target.tasks.filter((t) => {
        const b = baseTask.get(t.id);
        return !b || !samePlacedApart(b, t, blankTask);
      });
      expect(tasks.filter((e) => !('keep' in e))).toEqual(changedTasks);
    }
  });

  it('tells a one-story edit of a large plan in a few entries', () => {
    const doc = docOf(40, 50);
    const base = planOf(doc);
    doc[20]!.stories[25]!.chars += 30;
    doc[20]!.stories[25]!.lines += 2;
    const target = planOf(doc);
    const nodes = planNodesChange(base.nodes, target.nodes);
    // The story and its phase (whose end moved) whole; before and after them, kept runs.
    expect(nodes.filter((e) => !('keep' in e)).map((e) => (e as PlanNode).id)).toEqual([
      'node-p20',
      'node-p20s25',
    ]);
    expect(nodes.length).toBeLessThanOrEqual(5);
    expect(nodes.at(-1)).toEqual({
      keep: { from: expect.any(Number), count: expect.any(Number), offsetShift: 30, lineShift: 2 },
    });
    // Its task (its lines grew) whole; the others kept.
    const tasks = taskGraphChange(base.tasks, target.tasks);
    expect(tasks.filter((e) => !('keep' in e)).map((e) => (e as TaskSpec).id)).toEqual(['task-p20s25']);
    expect(tasks).toHaveLength(3);
  });

  it('keeps runs apart where items move differently or come in another order', () => {
    const node = (id: string, start: number, line: number): PlanNode => ({
      id,
      kind: 'story',
      title: id,
      start,
      end: start + 10,
      startLine: line,
      endLine: line,
      priority: 0,
      risk: 'low',
      status: 'planned',
    });
    // Characters added on a line between a and b: b moves by offset only.
    const base = [node('a', 0, 1), node('b', 10, 2), node('c', 20, 3)];
    const next = [node('a', 0, 1), node('b', 15, 2), node('c', 25, 4)];
    const change = planNodesChange(base, next);
    expect(change).toEqual([
      { keep: { from: 0, count: 1 } },
      { keep: { from: 1, count: 1, offsetShift: 5 } },
      { keep: { from: 2, count: 1, offsetShift: 5, lineShift: 1 } },
    ]);
    expect(applyPlanNodesChange(base, change)).toEqual(next);
    // Tasks with no source never move: only their order tells runs apart.
    const task = (id: string): TaskSpec => ({
      id,
      title: id,
      kind: 'code',
      planNodeId: `node-${id}`,
      dependsOn: [],
      scopePaths: [],
      validationCommands: [],
    });
    const tasks = [task('a'), task('b'), task('c'), task('d')];
    const reordered = [tasks[0]!, tasks[2]!, tasks[1]!, tasks[3]!];
    const taskChange = taskGraphChange(tasks, reordered);
    expect(taskChange).toHaveLength(4);
    expect(applyTaskGraphChange(tasks, taskChange)).toEqual(reordered);
  });

  it('sends whole an item whose keys changed order, so the applied revision has them as sent', () => {
    const base = planOf(docOf(1, 3));
    const [first, ...rest] = base.nodes;
    const { title, ...others } = first!;
    const reordered = { title, ...others } as PlanNode;
    const change = planNodesChange(base.nodes, [reordered, ...rest]);
    expect(change[0]).toBe(reordered);
    expect(Object.keys(applyPlanNodesChange(base.nodes, change)[0]!)[0]).toBe('title');
  });

  it('refuses a kept run past the end of the base it is applied to', () => {
    const base = planOf(docOf(1, 3));
    expect(() => applyPlanNodesChange(base.nodes.slice(0, 2), [{ keep: { from: 1, count: 3 } }])).toThrow(
      PlanChangeMismatchError,
    );
    expect(() => applyTaskGraphChange([], [{ keep: { from: 0, count: 1 } }])).toThrow(/past the base's 0/);
  });

  describe('as events', () => {
    const anchor: IntentionAnchor = { id: 'anchor-1', formatVersion: 1, text: 'Ship accounts.', pivots: [] };
    const revision = (n: number, doc: Doc): { plan: PlanGeneratedV1; tasks: TasksGeneratedV1 } => {
      const { nodes, tasks } = planOf(doc);
      const generatedAt = `2026-12-0${n}T10:00:00.000Z`;
      const source = { projectId: 'proj-1', blueprintId: 'bp-1', blueprintVersion: n };
      return {
        plan: { planId: 'plan-1', ...source, nodes, anchor, generatedAt, revision: n },
        tasks: {
          ...source,
          planId: 'plan-1',
          planRevision: n,
          anchorId: 'anchor-1',
          tasks,
          generatedAt,
        },
      };
    };
    const doc = docOf(3, 5);
    const first = revision(1, doc);
    doc[1]!.stories[2]!.title = 'Renamed';
    const second = revision(2, doc);

    it('turn back into the whole revision, key for key, and pass their schemas', () => {
      const plan = planGeneratedChange(first.plan, second.plan);
      const tasks = tasksGeneratedChange(first.tasks, second.tasks);
      expect(validate(PlanGeneratedV2, plan)).toEqual([]);
      expect(validate(TasksGeneratedV2, tasks)).toEqual([]);
      expect(plan.base).toEqual({ revision: 1, generatedAt: first.plan.generatedAt });
      expect(JSON.stringify(wholePlanGenerated(plan, first.plan))).toBe(JSON.stringify(second.plan));
      expect(JSON.stringify(wholeTasksGenerated(tasks, first.tasks))).toBe(JSON.stringify(second.tasks));
      expect(JSON.stringify(plan).length).toBeLessThan(JSON.stringify(second.plan).length / 3);
    });

    it('refuse a base that is not the revision they name: another revision, time or plan', () => {
      const plan = planGeneratedChange(first.plan, second.plan);
      const tasks = tasksGeneratedChange(first.tasks, second.tasks);
      expect(() => wholePlanGenerated(plan, second.plan)).toThrow(
        /revision 1 of .*; the one held is revision 2/,
      );
      expect(() =>
        wholePlanGenerated(plan, { ...first.plan, generatedAt: '2026-11-30T00:00:00.000Z' }),
      ).toThrow(PlanChangeMismatchError);
      expect(() => wholePlanGenerated(plan, { ...first.plan, planId: 'plan-2' })).toThrow(
        /told against plan plan-2/,
      );
      expect(() => wholeTasksGenerated(tasks, second.tasks)).toThrow(PlanChangeMismatchError);
    });
  });
});
