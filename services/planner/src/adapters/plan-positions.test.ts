import { seededRandom } from '@autopilot/testing';
import type { StoredPlanNode, StoredTask } from '../app/ports';
import { sameJson } from '../domain/same-json';
import type { SectionFacts } from '../domain/section-facts/extract-section';
import { blankNodePositions, blankTaskPositions, sameStoredNode, sameStoredTask } from './plan-positions';

const FACTS: SectionFacts = {
  deliverables: ['a'],
  acceptanceCriteria: [],
  filePaths: ['src/a.ts'],
  commands: [],
  dependencies: [],
  riskSignals: [],
};

function storedNode(next: () => number): StoredPlanNode {
  const start = Math.floor(next() * 1000);
  const lined = next() < 0.7;
  return {
    node: {
      id: 'n',
      kind: 'story',
      title: 'Story',
      start,
      end: start + 10,
      ...(lined ? { startLine: 3, endLine: 5 } : {}),
      priority: 1,
      risk: 'low',
      status: 'planned',
      ...(next() < 0.5 ? { taskIds: ['t1', 't2'] } : {}),
    },
    sources: Array.from({ length: Math.floor(next() * 3) }, (_, i) => ({
      sectionId: `s${i}`,
      hash: `h${i}`,
      start: start + i,
      facts: FACTS,
    })),
    factsVersion: 1,
  };
}

function storedTask(next: () => number): StoredTask {
  return {
    task: {
      id: 't',
      title: 'Task',
      kind: 'code',
      planNodeId: 'n',
      dependsOn: ['x'],
      scopePaths: [],
      validationCommands: [],
      ...(next() < 0.7 ? { source: { startLine: 3, endLine: 4 } } : {}),
    },
    ...(next() < 0.3 ? { rules: { scopePaths: ['src'], validationCommands: [] } } : {}),
  };
}

type Json = Record<string, unknown>;

/**
 * One random change to a copy of `value` (an object of a member): as a re-plan may make, or not. The
 * positions its type requires (`required`) stay: a member without one is not one a plan holds.
 */
function changed(
  value: Json,
  next: () => number,
  required: readonly string[] = [],
  fixed: readonly string[] = [],
): Json {
  // `fixed`: the member's parts, which the other cases change.
  const keys = Object.keys(value).filter((k) => !fixed.includes(k));
  const key = keys[Math.floor(next() * keys.length)] ?? 'extra';
  const copy: Json = { ...value };
  switch (Math.floor(next() * 9)) {
    case 0: // moved: a position, or any number
      if (typeof copy[key] === 'number') copy[key] = (copy[key] as number) + 7;
      break;
    case 1:
      copy[key] = 'other';
      break;
    case 2:
      if (!required.includes(key)) delete copy[key];
      break;
    case 3: // undefined: the same as missing
      if (!required.includes(key)) copy[key] = undefined;
      break;
    case 4:
      copy.extra = undefined;
      break;
    case 5:
      copy.extra = 1;
      break;
    case 6: {
      // Another key order, the same values.
      const { [key]: moved, ...rest } = copy;
      return { ...rest, [key]: moved };
    }
    case 7: // an equal copy of a nested value
      copy[key] = JSON.parse(JSON.stringify(copy[key] ?? null)) as unknown;
      break;
    default: // the identical object
      return value;
  }
  return copy;
}

function changedNode(n: StoredPlanNode, next: () => number): StoredPlanNode {
  const pick = next();
  if (pick < 0.1) return n;
  if (pick < 0.5)
    return {
      ...n,
      node: changed(n.node as unknown as Json, next, ['start', 'end']) as unknown as StoredPlanNode['node'],
    };
  if (pick < 0.8)
    return {
      ...n,
      sources: n.sources.map((s) =>
        next() < 0.5
          ? (changed(s as unknown as Json, next, ['start']) as unknown as (typeof n.sources)[number])
          : s,
      ),
    };
  if (pick < 0.9) return { ...n, sources: n.sources.slice(1) };
  return changed(n as unknown as Json, next, [], ['node', 'sources']) as unknown as StoredPlanNode;
}

function changedTask(t: StoredTask, next: () => number): StoredTask {
  const pick = next();
  if (pick < 0.1) return t;
  if (pick < 0.5)
    return { ...t, task: changed(t.task as unknown as Json, next) as unknown as StoredTask['task'] };
  if (pick < 0.85 && t.task.source)
    return {
      ...t,
      task: {
        ...t.task,
        source: changed(t.task.source, next, [
          'startLine',
          'endLine',
        ]) as unknown as StoredTask['task']['source'],
      },
    };
  return changed(t as unknown as Json, next, [], ['task']) as unknown as StoredTask;
}

describe('stored member compares', () => {
  it('are sameJson of the members as their buckets store them, for random changes', () => {
    const next = seededRandom(23);
    const outcomes = { node: [0, 0], task: [0, 0] };
    for (let round = 0; round < 4000; round++) {
      const a = storedNode(next);
      const b = next() < 0.5 ? changedNode(a, next) : changedNode(changedNode(a, next), next);
      const same = sameJson(blankNodePositions(a), blankNodePositions(b));
      expect([round, sameStoredNode(a, b)]).toEqual([round, same]);
      outcomes.node[same ? 1 : 0]! += 1;
      const t = storedTask(next);
      const u = changedTask(t, next);
      const sameTask = sameJson(blankTaskPositions(t), blankTaskPositions(u));
      expect([round, sameStoredTask(t, u)]).toEqual([round, sameTask]);
      outcomes.task[sameTask ? 1 : 0]! += 1;
    }
    // Both outcomes, often.
    for (const counts of Object.values(outcomes)) for (const n of counts) expect(n).toBeGreaterThan(300);
  });
});
