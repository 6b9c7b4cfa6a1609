import { seededRandom } from '@autopilot/testing';
import type { StoredPlanNode, StoredTask } from '../app/ports';
import type { SectionFacts } from '../domain/section-facts/extract-section';
import {
  BUCKETS,
  bucketOf,
  bucketsLayout,
  NODE_MEMBERS,
  TASK_MEMBERS,
  uniqueIds,
  type BucketsLayout,
  type MemberKind,
} from './plan-layout';

const FACTS: SectionFacts = {
  deliverables: [],
  acceptanceCriteria: [],
  filePaths: [],
  commands: [],
  dependencies: [],
  riskSignals: [],
};

function storedNode(id: string, start: number, line: number | undefined, title = id): StoredPlanNode {
  return {
    node: {
      id,
      kind: 'story',
      title,
      start,
      end: start + 10,
      ...(line !== undefined ? { startLine: line, endLine: line + 2 } : {}),
      priority: 0,
      risk: 'low',
      status: 'planned',
    },
    sources: [{ sectionId: `s-${id}`, hash: 'h', start, facts: FACTS }],
    factsVersion: 1,
  };
}

function storedTask(id: string, line: number | undefined, title = id): StoredTask {
  return {
    task: {
      id,
      title,
      kind: 'code',
      planNodeId: `node-${id}`,
      dependsOn: [],
      scopePaths: [],
      validationCommands: [],
      ...(line !== undefined ? { source: { startLine: line, endLine: line + 1 } } : {}),
    },
  };
}

/**
 * The layout as first written, without a previous one: every bucket grouped, sorted by id (a stable
 * sort) and its positions read. bucketsLayout must give exactly this, whatever layout it starts from.
 */
function referenceLayout<T>(members: readonly T[], kind: MemberKind<T>) {
  const buckets = new Map<number, T[]>();
  for (const member of members) {
    const b = bucketOf(kind.idOf(member));
    const list = buckets.get(b);
    if (list) list.push(member);
    else buckets.set(b, [member]);
  }
  for (const list of buckets.values())
    list.sort((x, y) => (kind.idOf(x) < kind.idOf(y) ? -1 : kind.idOf(x) > kind.idOf(y) ? 1 : 0));
  return Array.from({ length: BUCKETS }, (_, b) => {
    const list = buckets.get(b);
    const positions: number[] = [];
    for (const member of list ?? []) kind.positionsOf(member, positions, positions.length);
    const ids = (list ?? []).map(kind.idOf);
    return { members: list, positions, repeats: new Set(ids).size !== ids.length };
  });
}

function expectLayoutOf<T>(layout: BucketsLayout<T>, members: readonly T[], kind: MemberKind<T>): void {
  const reference = referenceLayout(members, kind);
  const got = Array.from({ length: BUCKETS }, (_, b) => ({
    members: layout[b]?.members,
    positions: layout[b]?.positions ?? [],
    repeats: layout[b]?.repeats ?? false,
  }));
  expect(got).toEqual(reference);
  // The very objects, in the same order.
  const identical = (b: number) =>
    (got[b]!.members ?? []).every((member, i) => member === reference[b]!.members![i]);
  expect(Array.from({ length: BUCKETS }, (_, b) => b).filter((b) => !identical(b))).toEqual([]);
}

/**
 * One random re-plan of `members`: most members the identical objects, some moved (copies with other
 * positions), changed in place, added, dropped, moved elsewhere in the list or given an id another
 * member has.
 */
function replan<T>(members: readonly T[], next: () => number, round: number, make: MemberMaker<T>): T[] {
  const list = [...members];
  const shift = Math.floor(next() * 40) - 20;
  const from = Math.floor(next() * list.length);
  const pick = () => Math.floor(next() * list.length);
  for (let i = from; i < list.length; i++) if (next() < 0.8) list[i] = make.moved(list[i]!, shift);
  const edits = Math.floor(next() * 4);
  for (let e = 0; e < edits; e++) {
    switch (Math.floor(next() * 6)) {
      case 0:
        list.splice(pick(), 0, make.fresh(`new-${round}-${e}`, Math.floor(next() * 1000)));
        break;
      case 1:
        list.splice(pick(), 1);
        break;
      case 2: {
        const at = pick();
        if (list[at]) list[at] = make.retitled(list[at], `t${round}`);
        break;
      }
      case 3: {
        const [moved] = list.splice(pick(), 1);
        if (moved) list.splice(pick(), 0, moved);
        break;
      }
      case 4: {
        // An id twice: a Map of the members would keep one.
        const twin = list[pick()];
        if (twin) list.splice(pick(), 0, make.retitled(twin, `twin${round}`));
        break;
      }
      default:
        if (list.length > 1) {
          const at = pick() % (list.length - 1);
          [list[at], list[at + 1]] = [list[at + 1]!, list[at]!];
        }
    }
  }
  return list;
}

interface MemberMaker<T> {
  fresh(id: string, at: number): T;
  moved(member: T, by: number): T;
  retitled(member: T, title: string): T;
  /** The member with more or fewer positions: lines or a source (a task's source) gained or lost. */
  reshaped(member: T): T;
}

const NODES: MemberMaker<StoredPlanNode> = {
  fresh: (id, at) => storedNode(id, at, at % 3 === 0 ? undefined : at),
  moved: (n, by) => ({
    ...n,
    node: {
      ...n.node,
      start: n.node.start + by,
      end: n.node.end + by,
      ...(n.node.startLine !== undefined ? { startLine: n.node.startLine + by } : {}),
    },
    sources: n.sources.map((s) => ({ ...s, start: s.start + by })),
  }),
  retitled: (n, title) => ({ ...n, node: { ...n.node, title } }),
  reshaped: (n) => {
    const { startLine, endLine, ...rest } = n.node;
    const node = startLine === undefined ? { ...rest, startLine: 1, endLine: 2 } : { ...rest, endLine };
    const sources = n.sources.length > 0 ? [] : [{ sectionId: 'x', hash: 'h', start: 5, facts: FACTS }];
    return { ...n, node, sources };
  },
};

const TASKS: MemberMaker<StoredTask> = {
  fresh: (id, at) => storedTask(id, at % 3 === 0 ? undefined : at),
  moved: (t, by) =>
    t.task.source
      ? {
          ...t,
          task: {
            ...t.task,
            source: { startLine: t.task.source.startLine + by, endLine: t.task.source.endLine + by },
          },
        }
      : t,
  retitled: (t, title) => ({ ...t, task: { ...t.task, title } }),
  reshaped: (t) => {
    const { source, ...task } = t.task;
    return { ...t, task: source ? task : { ...task, source: { startLine: 1, endLine: 2 } } };
  },
};

/** A re-plan that lists the same ids in the same order: members moved or changed in place. */
function replanInPlace<T>(
  members: readonly T[],
  next: () => number,
  round: number,
  make: MemberMaker<T>,
): T[] {
  const shift = Math.floor(next() * 40) - 20;
  const from = Math.floor(next() * members.length);
  return members.map((member, i) => {
    if (next() < 0.01) return make.retitled(member, `t${round}`);
    if (next() < 0.01) return make.reshaped(member);
    return i >= from && next() < 0.8 ? make.moved(member, shift) : member;
  });
}

function checkReplans<T>(
  kind: MemberKind<T>,
  make: MemberMaker<T>,
  seed: number,
  change: typeof replan = replan,
): { kept: number; regrouped: number } {
  const next = seededRandom(seed);
  let members = Array.from({ length: 600 }, (_, i) => make.fresh(`m-${i}`, i * 20));
  let layout = bucketsLayout(members, kind);
  expectLayoutOf(layout, members, kind);
  let kept = 0;
  let regrouped = 0;
  for (let round = 0; round < 60; round++) {
    members = change(members, next, round, make);
    const over = bucketsLayout(members, kind, layout);
    expectLayoutOf(over, members, kind);
    kept += over.filter((bucket, b) => bucket !== undefined && bucket === layout[b]).length;
    // Grouped from the last listing (the same ids in the same order), not by hashing the ids.
    if (over.listing!.buckets === layout.listing!.buckets) regrouped += 1;
    layout = over;
  }
  // The identity path was taken, not only the full one.
  expect(kept).toBeGreaterThan(0);
  return { kept, regrouped };
}

describe('bucketsLayout', () => {
  it('lays out nodes as a fresh layout would, for random re-plans over the previous layout', () => {
    checkReplans(NODE_MEMBERS, NODES, 7);
  });

  it('lays out tasks as a fresh layout would, for random re-plans over the previous layout', () => {
    checkReplans(TASK_MEMBERS, TASKS, 11);
  });

  it('lays out members listed as before (moved, changed in place) as a fresh layout would, from the last listing', () => {
    for (const [seed, check] of [
      [13, () => checkReplans(NODE_MEMBERS, NODES, 13, replanInPlace)],
      [17, () => checkReplans(TASK_MEMBERS, TASKS, 17, replanInPlace)],
    ] as const)
      expect([seed, check().regrouped]).toEqual([seed, 60]);
    // Random re-plans take both paths: from the listing while the ids stay, by hashing once they change.
    const mixed = checkReplans(NODE_MEMBERS, NODES, 7);
    expect(mixed.regrouped).toBeGreaterThan(0);
    expect(mixed.regrouped).toBeLessThan(60);
  });

  it('shares the arrays of a bucket whose members are identical, and sorts moved ones as before', () => {
    const members = Array.from({ length: 400 }, (_, i) => storedNode(`n-${i}`, i * 20, i + 1));
    const first = bucketsLayout(members, NODE_MEMBERS);
    const moved = members.map((n, i) => (i === 5 ? NODES.moved(n, 3) : n));
    const second = bucketsLayout(moved, NODE_MEMBERS, first);
    const b = bucketOf('n-5');
    expect(second[b]).not.toBe(first[b]);
    expect(second[b]!.order).toBe(first[b]!.order);
    expect(second[b]!.positions).not.toEqual(first[b]!.positions);
    for (let other = 0; other < BUCKETS; other++) if (other !== b) expect(second[other]).toBe(first[other]);
  });

  it('tells whether an id repeats', () => {
    const members = [storedTask('a', 1), storedTask('b', 2)];
    expect(uniqueIds(bucketsLayout(members, TASK_MEMBERS))).toBe(true);
    expect(uniqueIds(bucketsLayout([...members, storedTask('a', 3)], TASK_MEMBERS))).toBe(false);
  });
});
