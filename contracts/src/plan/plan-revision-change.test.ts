import type { IntentionAnchor } from '../shared/intention-anchor';
import type { PlanNode } from '../shared/plan-node';
import type { TaskSpec } from '../shared/task-spec';
import { seededRandom } from '../test-support/seeded-random';
import type { TasksGeneratedV1 } from '../tasks/tasks-generated.v1';
import { TasksGeneratedV2 } from '../tasks/tasks-generated.v2';
import { validate } from '../validate';
import type { PlanGeneratedV1 } from './plan-generated.v1';
import { PlanGeneratedV2, type KeptPlanNodes } from './plan-generated.v2';
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

/**
 * The change as first written (an index of the base by id, every candidate moved as a copy and
 * compared with `sameJson`), kept here as the reference the faster one must match entry for entry.
 */
function referenceChange<T extends { id: string }>(
  base: readonly T[],
  next: readonly T[],
  shiftBetween: (a: T, b: T) => { offset: number; line: number },
  moved: (item: T, shift: { offset: number; line: number }) => T,
): unknown[] {
  const sameJson = (a: unknown, b: unknown): boolean => {
    if (a === b) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ak = Object.keys(a);
    const bk = Object.keys(b);
    return (
      ak.length === bk.length &&
      ak.every(
        (k, i) =>
          k === bk[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  };
  const indexById = new Map(base.map((item, i) => [item.id, i] as const));
  const entries: unknown[] = [];
  let run: { from: number; count: number; offset: number; line: number } | undefined;
  const close = () => {
    if (run) {
      const { from, count, offset, line } = run;
      entries.push({ keep: { from, count, offset, line } });
    }
    run = undefined;
  };
  for (const item of next) {
    const i = indexById.get(item.id);
    const before = i === undefined ? undefined : base[i]!;
    let shift: { offset: number; line: number } | undefined;
    if (before !== undefined) {
      const candidate = shiftBetween(before, item);
      const same = candidate.offset === 0 && candidate.line === 0 ? before : moved(before, candidate);
      if (sameJson(same, item)) shift = candidate;
    }
    if (shift === undefined) {
      close();
      entries.push(item);
    } else if (run && run.from + run.count === i && run.offset === shift.offset && run.line === shift.line)
      run.count += 1;
    else {
      close();
      run = { from: i!, count: 1, ...shift };
    }
  }
  close();
  return entries;
}

const referenceNodesChange = (base: readonly PlanNode[], next: readonly PlanNode[]) =>
  referenceChange(
    base,
    next,
    (a, b) => ({
      offset: b.start - a.start,
      line: a.startLine !== undefined && b.startLine !== undefined ? b.startLine - a.startLine : 0,
    }),
    (node, { offset, line }) => {
      const moved = { ...node, start: node.start + offset, end: node.end + offset };
      if (moved.startLine !== undefined) moved.startLine += line;
      if (moved.endLine !== undefined) moved.endLine += line;
      return moved;
    },
  );

const referenceTasksChange = (base: readonly TaskSpec[], next: readonly TaskSpec[]) =>
  referenceChange(
    base,
    next,
    (a, b) => ({ offset: 0, line: a.source && b.source ? b.source.startLine - a.source.startLine : 0 }),
    (task, { line }) =>
      task.source
        ? {
            ...task,
            source: {
              ...task.source,
              startLine: task.source.startLine + line,
              endLine: task.source.endLine + line,
            },
          }
        : task,
  );

/** A change's entries as referenceChange writes them: every kept run with both shifts. */
const asReference = (entries: readonly unknown[]): unknown[] =>
  entries.map((e) => {
    if (typeof e !== 'object' || e === null || !('keep' in e)) return e;
    const { from, count, offsetShift, lineShift } = (e as { keep: KeptPlanNodes['keep'] }).keep;
    return { keep: { from, count, offset: offsetShift ?? 0, line: lineShift ?? 0 } };
  });

/**
 * `target` as a planner builds a revision over `base`: an item with the same JSON is the base's
 * own object, and one that only moved is a copy of the base's (sharing its arrays); the rest as is.
 */
function sharingWith<T extends { id: string }>(
  base: readonly T[],
  target: readonly T[],
  movedCopy: (before: T, item: T) => T | undefined,
): T[] {
  const byId = new Map(base.map((item) => [item.id, item] as const));
  return target.map((item) => {
    const before = byId.get(item.id);
    if (!before) return item;
    if (JSON.stringify(before) === JSON.stringify(item)) return before;
    return movedCopy(before, item) ?? item;
  });
}

const movedNodeCopy = (before: PlanNode, item: PlanNode): PlanNode | undefined => {
  const copy = {
    ...before,
    start: item.start,
    end: item.end,
    startLine: item.startLine,
    endLine: item.endLine,
  };
  return JSON.stringify(copy) === JSON.stringify(item) ? copy : undefined;
};
const movedTaskCopy = (before: TaskSpec, item: TaskSpec): TaskSpec | undefined => {
  if (!before.source || !item.source) return undefined;
  const copy = { ...before, source: { ...before.source, ...item.source } };
  return JSON.stringify(copy) === JSON.stringify(item) ? copy : undefined;
};

describe('plan revision changes', () => {
  it('are the reference change, entry for entry, for random edits of revisions built as a planner does', () => {
    const next = seededRandom(41);
    let doc = docOf(6, 12);
    let base = planOf(doc);
    for (let round = 0; round < 400; round++) {
      // One to three edits: an item both moved and changed comes of two.
      const edits = 1 + Math.floor(next() * 3);
      for (let k = 0; k < edits; k++) doc = edit(doc, next, 1000 + round * 3 + k);
      const built = planOf(doc);
      // Half the rounds share objects with the base as the planner does, half are all new objects.
      const target =
        round % 2 === 0
          ? {
              nodes: sharingWith(base.nodes, built.nodes, movedNodeCopy),
              tasks: sharingWith(base.tasks, built.tasks, movedTaskCopy),
            }
          : built;
      expect(asReference(planNodesChange(base.nodes, target.nodes))).toEqual(
        referenceNodesChange(base.nodes, target.nodes),
      );
      expect(asReference(taskGraphChange(base.tasks, target.tasks))).toEqual(
        referenceTasksChange(base.tasks, target.tasks),
      );
      base = target;
    }
  });

  it('compare a moved item as its moved copy would: key order, missing lines, a source without lines', () => {
    const node: PlanNode = {
      id: 'n',
      kind: 'story',
      title: 'n',
      start: 10,
      end: 20,
      priority: 0,
      risk: 'low',
      status: 'planned',
    };
    const cases: [PlanNode, PlanNode][] = [
      // No lines on either side: only the offsets move.
      [node, { ...node, start: 15, end: 25 }],
      [node, { ...node, start: 15, end: 26 }],
      // Lines on one side only.
      [node, { ...node, start: 15, end: 25, startLine: 3 }],
      [
        { ...node, startLine: 2, endLine: 4 },
        { ...node, start: 15, end: 25, startLine: 2 },
      ],
      [
        { ...node, startLine: 2, endLine: 4 },
        { ...node, start: 15, end: 25, startLine: 5, endLine: 7 },
      ],
      [
        { ...node, startLine: 2, endLine: 4 },
        { ...node, start: 15, end: 25, startLine: 5, endLine: 8 },
      ],
      // An undefined line is kept as undefined by the copy.
      [
        { ...node, startLine: 2, endLine: undefined },
        { ...node, start: 15, end: 25, startLine: 5, endLine: undefined },
      ],
      // The same values, keys in another order; an extra key.
      [node, (({ title, ...rest }) => ({ ...rest, start: 15, end: 25, title }))(node)],
      [node, { ...node, start: 15, end: 25, sectionId: 's' }],
      // Moved and changed.
      [node, { ...node, start: 15, end: 25, title: 'm' }],
    ];
    for (const [a, b] of cases)
      expect(asReference(planNodesChange([a], [b]))).toEqual(referenceNodesChange([a], [b]));

    const task: TaskSpec = {
      id: 't',
      title: 't',
      kind: 'code',
      planNodeId: 'n',
      dependsOn: [],
      scopePaths: [],
      validationCommands: [],
      source: { startLine: 3, endLine: 5 },
    };
    const taskCases: [TaskSpec, TaskSpec][] = [
      [task, { ...task, source: { startLine: 4, endLine: 6 } }],
      [task, { ...task, source: { startLine: 4, endLine: 7 } }],
      [task, { ...task, source: { endLine: 6, startLine: 4 } }],
      [task, { ...task, source: { startLine: 4, endLine: 6, file: 'b.md' } as TaskSpec['source'] }],
      [
        { ...task, source: { ...task.source!, file: 'a.md' } as TaskSpec['source'] },
        { ...task, source: { startLine: 4, endLine: 6 } },
      ],
      [
        task,
        // The source first: the same values, keys in another order.
        (({ source: _, ...rest }) => ({ source: { startLine: 4, endLine: 6 }, ...rest }))(task),
      ],
      [(({ source: _, ...rest }) => rest)(task), task],
      [task, { ...task, title: 'u', source: { startLine: 4, endLine: 6 } }],
      [task, { ...task, source: { startLine: 4, endLine: 6 }, dependsOn: ['x'] }],
    ];
    for (const [a, b] of taskCases)
      expect(asReference(taskGraphChange([a], [b]))).toEqual(referenceTasksChange([a], [b]));
  });

  it('find base items out of order: inserted, removed and moved items around kept runs', () => {
    const base = planOf(docOf(2, 6));
    const [a, b, c, d, e, ...rest] = base.nodes;
    const added: PlanNode = { ...a!, id: 'node-new', title: 'New' };
    for (const nodes of [
      [a!, added, b!, c!, d!, e!, ...rest],
      [a!, c!, d!, e!, ...rest],
      [a!, e!, b!, c!, d!, ...rest],
      [...rest, a!, b!, c!, d!, e!],
      [...base.nodes].reverse(),
    ])
      expect(asReference(planNodesChange(base.nodes, nodes))).toEqual(
        referenceNodesChange(base.nodes, nodes),
      );
  });

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
