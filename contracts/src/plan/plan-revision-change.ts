import { AutopilotError } from '@autopilot/kernel';
import type { PlanNode } from '../shared/plan-node';
import type { TaskSpec } from '../shared/task-spec';
import type { PlanGeneratedV1 } from './plan-generated.v1';
import type { KeptPlanNodes, PlanGeneratedV2 } from './plan-generated.v2';
import type { TasksGeneratedV1 } from '../tasks/tasks-generated.v1';
import type { KeptTasks, TasksGeneratedV2 } from '../tasks/tasks-generated.v2';

/**
 * How `plan.generated` and `tasks.generated` v2 tell a revision as a change to one their consumers
 * hold: written once here, so that the planner (which makes a change) and every consumer (which
 * applies it) agree. An item the base has, the same but for positions that all moved alike, travels
 * as part of a kept run; anything else travels whole. Applying a change to its base gives the
 * revision exactly: the same items, the same keys in the same order.
 */

/** A change that does not fit the revision it is applied to. */
export class PlanChangeMismatchError extends AutopilotError {
  readonly code = 'PLAN_CHANGE_MISMATCH';
  constructor(readonly problem: string) {
    super(`the plan change does not fit its base: ${problem}`);
  }
}

/** What a kept run's items move by; a missing shift is 0. */
interface Shift {
  readonly offset: number;
  readonly line: number;
}

const NO_SHIFT: Shift = { offset: 0, line: 0 };

/** The positions of one kind of item: how two items' positions differ, and an item moved. */
interface Positions<T> {
  /** What `next` is moved by from `base`, read from their first positions. */
  shiftBetween(base: T, next: T): Shift;
  /** `item` moved by `shift` (not NO_SHIFT): a copy, its keys in their order. */
  moved(item: T, shift: Shift): T;
  /**
   * `sameJson(moved(base, shift), next)`, without the copy: a re-plan compares ~10k moved nodes of a
   * 500k-word plan, and the copies were most of the time it took.
   */
  sameMoved(base: T, next: T, shift: Shift): boolean;
}

/**
 * The same JSON value: the same keys in the same order, the same items, the same scalars. The
 * order counts because consumers may compare items by their JSON text.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  return sameJsonApart(a, b, NO_KEYS);
}

const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * `sameJson` of two objects, but for the values under the keys in `apart`, which the caller compares:
 * the same keys in the same order, the same values under the others.
 */
function sameJsonApart(a: object, b: object, apart: ReadonlySet<string>): boolean {
  // As sameJson sees them: `a` is read as the plain object `moved` copies it into.
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  for (let i = 0; i < ak.length; i++) {
    const key = ak[i]!;
    if (key !== bk[i]) return false;
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    // The identical value first: a moved copy shares all but its positions with its base, and this
    // runs mostly unoptimised (once per re-plan over ~10k moved nodes), where each call counts.
    if (x === y || apart.has(key)) continue;
    if (!sameJson(x, y)) return false;
  }
  return true;
}

/**
 * Where the items of a base revision are, by id. A revision mostly lists the base's items in the
 * base's order, so the item after the last one found is tried first; the index by id (~20k entries
 * for a 500k-word plan) is built only when that guess misses. Ids are unique within a revision (the
 * contracts' ids are): otherwise the guess could find an earlier item of the id than the index.
 */
class BaseIndex<T extends { readonly id: string }> {
  private byId: Map<string, number> | undefined;

  constructor(private readonly base: readonly T[]) {}

  /** The index of the base item with `id`, tried at `guess` first; undefined when the base has none. */
  indexOf(id: string, guess: number): number | undefined {
    if (guess < this.base.length && this.base[guess]!.id === id) return guess;
    if (this.byId === undefined) {
      this.byId = new Map();
      for (let i = 0; i < this.base.length; i++) this.byId.set(this.base[i]!.id, i);
    }
    return this.byId.get(id);
  }
}

/** The whole items of `next`, and every run of base items it keeps, as `keep` entries. */
function keptRunsChange<T extends { readonly id: string }, K>(
  base: readonly T[],
  next: readonly T[],
  positions: Positions<T>,
  kept: (from: number, count: number, shift: Shift) => K,
): (T | K)[] {
  const index = new BaseIndex(base);
  let guess = 0;
  const entries: (T | K)[] = [];
  let run: { from: number; count: number; shift: Shift } | undefined;
  const closeRun = (): void => {
    if (run) entries.push(kept(run.from, run.count, run.shift));
    run = undefined;
  };
  // Indexed loops here and below: the code runs once per re-plan, mostly unoptimised, where `for...of`
  // allocates a result object per item.
  for (let n = 0; n < next.length; n++) {
    const item = next[n]!;
    const i = index.indexOf(item.id, guess);
    if (i !== undefined) guess = i + 1;
    const before = i === undefined ? undefined : base[i]!;
    let shift: Shift | undefined;
    if (before === item) shift = NO_SHIFT;
    else if (before !== undefined) {
      const candidate = positions.shiftBetween(before, item);
      const same =
        candidate === NO_SHIFT ? sameJson(before, item) : positions.sameMoved(before, item, candidate);
      if (same) shift = candidate;
    }
    if (shift === undefined) {
      closeRun();
      entries.push(item);
    } else if (
      run &&
      run.from + run.count === i &&
      run.shift.offset === shift.offset &&
      run.shift.line === shift.line
    )
      run.count += 1;
    else {
      closeRun();
      run = { from: i!, count: 1, shift };
    }
  }
  closeRun();
  return entries;
}

/** `base` with its kept runs expanded and moved; throws PlanChangeMismatchError past its end. */
function applyKeptRuns<T, K extends { keep: { from: number; count: number } }>(
  base: readonly T[],
  entries: readonly (T | K)[],
  positions: Positions<T>,
  shiftOf: (run: K) => Shift,
  what: string,
): T[] {
  const items: T[] = [];
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e]!;
    if (typeof entry !== 'object' || entry === null || !('keep' in entry)) {
      items.push(entry as T);
      continue;
    }
    const run = entry as K;
    const { from, count } = run.keep;
    if (from + count > base.length)
      throw new PlanChangeMismatchError(
        `kept ${what} [${from}, ${from + count}) are past the base's ${base.length}`,
      );
    const shift = shiftOf(run);
    for (let i = from; i < from + count; i++)
      items.push(shift === NO_SHIFT ? base[i]! : positions.moved(base[i]!, shift));
  }
  return items;
}

/** What `moved` changes: a node's, a task's, and a task source's keys. */
const NODE_POSITION_KEYS: ReadonlySet<string> = new Set(['start', 'end', 'startLine', 'endLine']);
const TASK_SOURCE_KEY: ReadonlySet<string> = new Set(['source']);
const SOURCE_LINE_KEYS: ReadonlySet<string> = new Set(['startLine', 'endLine']);

const shiftOrNone = (offset: number, line: number): Shift =>
  offset === 0 && line === 0 ? NO_SHIFT : { offset, line };

const nodePositions: Positions<PlanNode> = {
  shiftBetween: (base, next) =>
    shiftOrNone(
      next.start - base.start,
      next.startLine !== undefined && base.startLine !== undefined ? next.startLine - base.startLine : 0,
    ),
  moved: (node, { offset, line }) => {
    const moved = { ...node, start: node.start + offset, end: node.end + offset };
    if (moved.startLine !== undefined) moved.startLine += line;
    if (moved.endLine !== undefined) moved.endLine += line;
    return moved;
  },
  // Each check as `moved` computes the value, so that any value compares as its copy would.
  sameMoved: (base, next, { offset, line }) =>
    sameJsonApart(base, next, NODE_POSITION_KEYS) &&
    next.start === base.start + offset &&
    next.end === base.end + offset &&
    (base.startLine === undefined
      ? next.startLine === undefined
      : next.startLine === base.startLine + line) &&
    (base.endLine === undefined ? next.endLine === undefined : next.endLine === base.endLine + line),
};

const taskPositions: Positions<TaskSpec> = {
  shiftBetween: (base, next) =>
    shiftOrNone(0, next.source && base.source ? next.source.startLine - base.source.startLine : 0),
  moved: (task, { line }) => {
    const { source } = task;
    if (source === undefined) return task;
    return {
      ...task,
      source: { ...source, startLine: source.startLine + line, endLine: source.endLine + line },
    };
  },
  sameMoved: (base, next, { line }) => {
    const { source } = base;
    if (source === undefined) return sameJson(base, next);
    const nextSource: unknown = next.source;
    return (
      sameJsonApart(base, next, TASK_SOURCE_KEY) &&
      typeof nextSource === 'object' &&
      nextSource !== null &&
      sameJsonApart(source, nextSource, SOURCE_LINE_KEYS) &&
      next.source!.startLine === source.startLine + line &&
      next.source!.endLine === source.endLine + line
    );
  },
};

/** `next`'s nodes as a change to `base`'s: whole where new or changed, kept runs for the rest. */
export function planNodesChange(
  base: readonly PlanNode[],
  next: readonly PlanNode[],
): (PlanNode | KeptPlanNodes)[] {
  return keptRunsChange(base, next, nodePositions, (from, count, { offset, line }) => ({
    keep: {
      from,
      count,
      ...(offset !== 0 ? { offsetShift: offset } : {}),
      ...(line !== 0 ? { lineShift: line } : {}),
    },
  }));
}

/** The nodes `change` gives from `base`. Throws PlanChangeMismatchError when it does not fit. */
export function applyPlanNodesChange(
  base: readonly PlanNode[],
  change: readonly (PlanNode | KeptPlanNodes)[],
): PlanNode[] {
  return applyKeptRuns(
    base,
    change,
    nodePositions,
    (run: KeptPlanNodes) => shiftOrNone(run.keep.offsetShift ?? 0, run.keep.lineShift ?? 0),
    'nodes',
  );
}

/** `next`'s tasks as a change to `base`'s: whole where new or changed, kept runs for the rest. */
export function taskGraphChange(
  base: readonly TaskSpec[],
  next: readonly TaskSpec[],
): (TaskSpec | KeptTasks)[] {
  return keptRunsChange(base, next, taskPositions, (from, count, { line }) => ({
    keep: { from, count, ...(line !== 0 ? { lineShift: line } : {}) },
  }));
}

/** The tasks `change` gives from `base`. Throws PlanChangeMismatchError when it does not fit. */
export function applyTaskGraphChange(
  base: readonly TaskSpec[],
  change: readonly (TaskSpec | KeptTasks)[],
): TaskSpec[] {
  return applyKeptRuns(
    base,
    change,
    taskPositions,
    (run: KeptTasks) => shiftOrNone(0, run.keep.lineShift ?? 0),
    'tasks',
  );
}

/** The revision a v2 event names, compared with one a consumer holds. */
function checkBase(
  what: string,
  named: { revision: number; generatedAt: string },
  held: { planId: string; revision: number; generatedAt: string },
  planId: string,
): void {
  if (held.planId !== planId)
    throw new PlanChangeMismatchError(`${what} of plan ${planId} told against plan ${held.planId}`);
  if (held.revision !== named.revision || held.generatedAt !== named.generatedAt)
    throw new PlanChangeMismatchError(
      `${what} is told against revision ${named.revision} of ${named.generatedAt}; the one held is revision ${held.revision} of ${held.generatedAt}`,
    );
}

/**
 * `whole` (a plan revision) told as a change to `base`, an earlier revision of the same plan its
 * consumers hold: the v2 event `wholePlanGenerated` turns back into `whole`.
 */
export function planGeneratedChange(base: PlanGeneratedV1, whole: PlanGeneratedV1): PlanGeneratedV2 {
  const { nodes, ...rest } = whole;
  return {
    ...rest,
    base: { revision: base.revision, generatedAt: base.generatedAt },
    nodes: planNodesChange(base.nodes, nodes),
  };
}

/**
 * A v2 event as the whole revision, in v1's shape, given the revision it names. Throws
 * PlanChangeMismatchError when `base` is not that revision or the change does not fit it.
 */
export function wholePlanGenerated(change: PlanGeneratedV2, base: PlanGeneratedV1): PlanGeneratedV1 {
  checkBase('plan.generated', change.base, base, change.planId);
  // Keys in the order the planner's own v1 has them (plan-announcement.ts).
  return {
    planId: change.planId,
    projectId: change.projectId,
    blueprintId: change.blueprintId,
    blueprintVersion: change.blueprintVersion,
    nodes: applyPlanNodesChange(base.nodes, change.nodes),
    anchor: change.anchor,
    generatedAt: change.generatedAt,
    revision: change.revision,
  };
}

/** `whole` (a revision's task graph) told as a change to `base`, an earlier revision's graph. */
export function tasksGeneratedChange(base: TasksGeneratedV1, whole: TasksGeneratedV1): TasksGeneratedV2 {
  const { tasks, ...rest } = whole;
  return {
    ...rest,
    base: { revision: base.planRevision, generatedAt: base.generatedAt },
    tasks: taskGraphChange(base.tasks, tasks),
  };
}

/**
 * A v2 event as the whole task graph, in v1's shape, given the graph of the revision it names.
 * Throws PlanChangeMismatchError when `base` is not that revision or the change does not fit it.
 */
export function wholeTasksGenerated(change: TasksGeneratedV2, base: TasksGeneratedV1): TasksGeneratedV1 {
  checkBase(
    'tasks.generated',
    change.base,
    { planId: base.planId, revision: base.planRevision, generatedAt: base.generatedAt },
    change.planId,
  );
  const tasks = applyTaskGraphChange(base.tasks, change.tasks);
  return {
    projectId: change.projectId,
    blueprintId: change.blueprintId,
    blueprintVersion: change.blueprintVersion,
    planId: change.planId,
    planRevision: change.planRevision,
    anchorId: change.anchorId,
    ...(change.anchor ? { anchor: change.anchor } : {}),
    tasks,
    generatedAt: change.generatedAt,
  };
}
