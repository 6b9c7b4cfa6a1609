import type { TaskSpec } from '@autopilot/contracts';
import { isSecretPath } from '@autopilot/secret-scan';
import { isCheckCommand } from '../section-facts/extract-commands';
import { scopeGlobFor } from '../section-facts/extract-paths';
import type { PlanGraph, PlannedNode } from '../plan/plan-graph';
import { gateTaskIdFor, taskIdFor } from '../plan/plan-ids';
import { sameStrings, unchangedLineage } from '../plan/plan-reuse';
import { DependencyCycleError, TaskGraphLimitError } from './task-errors';
import { estimateRunUsd } from './task-estimate';
import { taskKindOf } from './task-kind';
import { orderByDependencies } from './task-order';

/**
 * The task graph of a plan: one task per task_spec node (not done, not dropped), in dependency order.
 *
 * - Dependencies come from plan-node dependencies, inherited from ancestors: when story B depends on
 *   story A, every task under B depends on every task under A.
 * - "Every task under A" is written directly when A has at most GATE_FANIN tasks. A larger A (a
 *   phase of hundreds of tasks that the next phase depends on) gets one gate task, "A complete",
 *   depending on all of them, and dependents depend on the gate: the edge count stays linear
 *   instead of |A| x |dependents|. A gate over more than GATE_PART tasks is built from part gates,
 *   so no task lists more than a task spec may (500 dependencies).
 * - Scope: the node's file paths, else the nearest ancestor's; never git's directory or a secret
 *   file (isSecretPath). Validation: the node's commands, else the nearest ancestor's, else none
 *   (the acceptance criteria are then the checks, see `validationOf`). Acceptance criteria: the
 *   node's, else the nearest ancestor's.
 * - A cycle is a DependencyCycleError naming it in order.
 */

export const GATE_FANIN = 10;
export const GATE_PART = 200;
export const MAX_TASK_DEPENDENCIES = 500;
const MAX_SCOPE_PATHS = 500;

export interface TaskGraph {
  /** Every task, dependencies before dependents, ties in document order. */
  readonly tasks: readonly TaskSpec[];
  /** Plan node id to the ids of the tasks made from it (its own task, or its gates): the link back. */
  readonly taskIdsByNode: ReadonlyMap<string, readonly string[]>;
  /**
   * The plan's outline by index, as this graph read it: the next planning of a plan with the same
   * outline (`sameTaskOutline`) reads it again instead of indexing 20k nodes anew.
   */
  readonly outline?: PlanOutline;
}

interface TaskDraft {
  readonly id: string;
  readonly node: number;
  readonly key: number;
  readonly gate: boolean;
  readonly title: string;
  dependsOn: number[];
}

const KEY_SPAN = 1024;
const MAIN_GATE_SUB = 1000;

/**
 * What the previous planning of the same plan made, to reuse (plan-reuse.ts): its nodes by id (as
 * `tasksFromPlan` was given them) and the tasks it made of them, by id.
 */
export interface PreviousTaskGraph {
  readonly nodeOf: (id: string) => PlannedNode | undefined;
  readonly taskOf: (id: string) => TaskSpec | undefined;
  /** The nodes it was given, in order, and the task graph it made of them. */
  readonly nodes: readonly PlannedNode[];
  readonly graph: TaskGraph;
  /** Per node of the plan given now: 1 where it is the same, apart from positions, as before (`sameAsPrevious`). */
  readonly same: Uint8Array;
}

/**
 * With `previous`, a task whose inputs are all as they were (its node and every ancestor the same
 * apart from positions, the same title and dependencies, the nodes it comes after under the same
 * titles) is the previous task, its source lines updated: the result is the same as without.
 */
export function tasksFromPlan(plan: PlanGraph, previous?: PreviousTaskGraph): TaskGraph {
  if (previous && sameTaskOutline(plan.nodes, previous.nodes)) return taskGraphAsBefore(plan, previous);
  const tree = planTree(plan.nodes);
  const { drafts, tasksBefore } = nodeTasks(tree, standaloneTitles(tree));
  inheritDependencies(tree, drafts, nodeExits(tree, drafts, tasksBefore));
  const order = dependencyOrder(tree.nodes, drafts);
  const reuse = previous && { previous, unchanged: unchangedLineage(tree, previous.same) };
  return taskGraphOf(tree, drafts, order, reuse);
}

/**
 * True when every node has what the graph's outline reads of it as before, index by index: its id,
 * parent, kind, status, title and dependencies. The tasks, their titles, dependencies, gates and
 * order are then the previous ones: only what a task reads of its own node and ancestors can differ.
 */
function sameTaskOutline(nodes: readonly PlannedNode[], before: readonly PlannedNode[]): boolean {
  if (nodes.length !== before.length) return false;
  for (let i = 0; i < nodes.length; i++) {
    const a = nodes[i]!;
    const b = before[i]!;
    if (a === b) continue;
    if (
      a.id !== b.id ||
      a.parentId !== b.parentId ||
      a.kind !== b.kind ||
      a.status !== b.status ||
      a.title !== b.title ||
      !sameStrings(a.dependsOn, b.dependsOn)
    )
      return false;
  }
  return true;
}

/**
 * The task graph of a plan whose outline is the previous one's (`sameTaskOutline`): the previous
 * tasks in their order, each reused where its inputs are unchanged and made again where not.
 */
function taskGraphAsBefore(plan: PlanGraph, previous: PreviousTaskGraph): TaskGraph {
  // The outline is the previous one, index by index: so is what indexes it.
  const outline = previous.graph.outline;
  const tree = outline ? { ...outline, nodes: plan.nodes } : planTree(plan.nodes);
  const unchanged = unchangedLineage(tree, previous.same);
  const trailOf = headingTrails(tree);
  const tasks = previous.graph.tasks.map((before): TaskSpec => {
    const i = tree.indexOf.get(before.planNodeId)!;
    const node = tree.nodes[i]!;
    if (before.gate === true)
      return node.priorityClass === previous.nodes[i]!.priorityClass
        ? before
        : gateSpec(draftOf(before, i), node, [...before.dependsOn]);
    // Its title, dependencies and the titles of what it comes after are as before (the outline):
    // with its node and ancestors unchanged apart from positions, only its lines can differ.
    const reused = unchanged[i] === 1 ? withLinesOf(before, node) : undefined;
    return reused ?? taskSpec(draftOf(before, i), tree, [...before.dependsOn], trailOf);
  });
  return { tasks, taskIdsByNode: previous.graph.taskIdsByNode, outline: outlineOf(tree) };
}

/** The draft of a task made again on the outline path: what `taskSpec` and `gateSpec` read of it. */
function draftOf(before: TaskSpec, node: number): TaskDraft {
  return { id: before.id, node, key: 0, gate: before.gate === true, title: before.title, dependsOn: [] };
}

/** The previous planning and which of this plan's nodes kept their lineage (`unchangedLineage`). */
interface TaskReuse {
  readonly previous: PreviousTaskGraph;
  readonly unchanged: Uint8Array;
}

/** A plan's nodes indexed as a tree: parents come before children in document order. */
export interface PlanOutline {
  readonly indexOf: ReadonlyMap<string, number>;
  /** Each node's parent index, -1 at the top or where its parent is not in the plan. */
  readonly parent: Int32Array;
  /** One past the last node of each node's subtree: its subtree is `[i, subtreeEnd[i])`. */
  readonly subtreeEnd: Int32Array;
}

/** The plan's nodes as a tree by index. */
interface PlanTree extends PlanOutline {
  readonly nodes: readonly PlannedNode[];
}

const outlineOf = ({ indexOf, parent, subtreeEnd }: PlanTree): PlanOutline => ({
  indexOf,
  parent,
  subtreeEnd,
});

function planTree(nodes: readonly PlannedNode[]): PlanTree {
  const n = nodes.length;
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => indexOf.set(node.id, i));
  const parent = new Int32Array(n);
  nodes.forEach(
    (node, i) => (parent[i] = node.parentId === undefined ? -1 : (indexOf.get(node.parentId) ?? -1)),
  );
  const subtreeEnd = new Int32Array(n);
  for (let i = 0; i < n; i++) subtreeEnd[i] = i + 1;
  for (let i = n - 1; i >= 0; i--) {
    if (parent[i]! >= 0 && subtreeEnd[i]! > subtreeEnd[parent[i]!]!) subtreeEnd[parent[i]!] = subtreeEnd[i]!;
  }
  return { nodes, indexOf, parent, subtreeEnd };
}

/**
 * Tasks of task_spec nodes, in document order: the tasks under a node are a contiguous run, from
 * `tasksBefore[i]` to `tasksBefore[subtreeEnd[i]]`.
 */
function nodeTasks(
  { nodes }: PlanTree,
  titles: ReadonlyMap<number, string>,
): { drafts: TaskDraft[]; tasksBefore: Int32Array } {
  const n = nodes.length;
  const drafts: TaskDraft[] = [];
  const tasksBefore = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    tasksBefore[i] = drafts.length;
    const node = nodes[i]!;
    if (node.kind === 'task_spec' && node.status !== 'done' && node.status !== 'dropped') {
      drafts.push({
        id: taskIdFor(node.id),
        node: i,
        key: i * KEY_SPAN,
        gate: false,
        title: titles.get(i) ?? node.title,
        dependsOn: [],
      });
    }
  }
  tasksBefore[n] = drafts.length;
  return { drafts, tasksBefore };
}

/**
 * What depending on node X means: its tasks directly, or its gate. A gate is added to `drafts` the
 * first time a node needs one, and reused after that.
 */
function nodeExits(
  tree: PlanTree,
  drafts: TaskDraft[],
  tasksBefore: Int32Array,
): (node: number) => readonly number[] {
  const exitOf: (readonly number[] | undefined)[] = tree.nodes.map(() => undefined);
  return (x) => {
    const cached = exitOf[x];
    if (cached) return cached;
    const first = tasksBefore[x]!;
    const last = tasksBefore[tree.subtreeEnd[x]!]!;
    const under: number[] = [];
    for (let t = first; t < last; t++) under.push(t);
    const exit = under.length <= GATE_FANIN ? under : [addGate(tree, drafts, x, under)];
    exitOf[x] = exit;
    return exit;
  };
}

/** Adds the gate of node `x` over the tasks `under` it (with part gates past GATE_PART); its index. */
function addGate(tree: PlanTree, drafts: TaskDraft[], x: number, under: readonly number[]): number {
  const node = tree.nodes[x]!;
  const base = (tree.subtreeEnd[x]! - 1) * KEY_SPAN;
  let members = [...under];
  if (under.length > GATE_PART) {
    members = [];
    for (let part = 0; part * GATE_PART < under.length; part++) {
      members.push(drafts.length);
      drafts.push({
        id: gateTaskIdFor(node.id, part + 1),
        node: x,
        key: base + 1 + part,
        gate: true,
        title: gateTitle(node.title, ` (part ${part + 1})`),
        dependsOn: under.slice(part * GATE_PART, (part + 1) * GATE_PART),
      });
    }
  }
  drafts.push({
    id: gateTaskIdFor(node.id, 'all'),
    node: x,
    key: base + MAIN_GATE_SUB,
    gate: true,
    title: gateTitle(node.title, ''),
    dependsOn: members,
  });
  return drafts.length - 1;
}

/** A heading that, alone, does not say what to do ("Approach", "Backend", "Tests"). */
const GENERIC_TITLE =
  /^(goals?|approach|work items|deliverables|acceptance criteria|notes|basics|overview|summary|details|implementation|validation|tests?|testing|docs|documentation|backend|frontend|api|ui|setup|cleanup|migration|rollout|design|misc(ellaneous)?|other|todo|tasks|general|core|config(uration)?|infra(structure)?|(non-?)?functional( requirements)?|requirements)$/i;

/**
 * Task titles that stand on their own (issue 17 item 1): a generic heading gets its parent's title
 * before it ("Phase 3: Toolchains — approach"), and titles still shared by several tasks get their
 * parent's, then a number, so no two tasks of a plan read the same.
 */
function standaloneTitles({ nodes, parent }: PlanTree): Map<number, string> {
  const titles = new Map<number, string>();
  const withParent = (i: number, title: string): string => {
    const p = parent[i]!;
    return p >= 0 ? cap(`${nodes[p]!.title} — ${title}`) : title;
  };
  nodes.forEach((node, i) => {
    if (node.kind !== 'task_spec') return;
    titles.set(i, GENERIC_TITLE.test(node.title.trim()) ? withParent(i, node.title) : node.title);
  });
  for (const list of sharedTitles(titles)) {
    const renamed = list.map((i) =>
      titles.get(i) === nodes[i]!.title ? withParent(i, nodes[i]!.title) : titles.get(i)!,
    );
    const counts = new Map<string, number>();
    for (const t of renamed) counts.set(t, (counts.get(t) ?? 0) + 1);
    const seen = new Map<string, number>();
    list.forEach((i, k) => {
      const t = renamed[k]!;
      const n = (seen.get(t) ?? 0) + 1;
      seen.set(t, n);
      titles.set(i, counts.get(t)! > 1 ? cap(`${t} (${n})`) : t);
    });
  }
  return titles;
}

/** The tasks of each title that several tasks have, in document order. */
function sharedTitles(titles: ReadonlyMap<number, string>): number[][] {
  // Counted first: most titles are unique, and a list per title would be made for nothing.
  const count = new Map<string, number>();
  for (const title of titles.values()) count.set(title, (count.get(title) ?? 0) + 1);
  const groups = new Map<string, number[]>();
  for (const [i, title] of titles) {
    if (count.get(title)! < 2) continue;
    const list = groups.get(title) ?? [];
    list.push(i);
    groups.set(title, list);
  }
  return [...groups.values()];
}

function cap(title: string): string {
  return title.length > 300 ? `${title.slice(0, 299)}…` : title;
}

/**
 * Inherited dependencies: a task waits for what its node and every ancestor depend on. Only the
 * node tasks are visited (gates get their members when they are added).
 */
function inheritDependencies(
  { nodes, indexOf, parent, subtreeEnd }: PlanTree,
  drafts: TaskDraft[],
  exitTasks: (node: number) => readonly number[],
): void {
  const taskCount = drafts.length;
  for (let t = 0; t < taskCount; t++) {
    const task = drafts[t]!;
    const wanted = new Set<number>();
    for (let a = task.node; a >= 0; a = parent[a]!) {
      for (const dependency of nodes[a]!.dependsOn) {
        const x = indexOf.get(dependency);
        // A target that contains this task would make it wait for itself; resolution never
        // produces one, but a refined plan must not turn that into a cycle either.
        if (x === undefined || (x <= task.node && task.node < subtreeEnd[x]!)) continue;
        for (const e of exitTasks(x)) wanted.add(e);
      }
    }
    task.dependsOn = [...wanted];
  }
}

/**
 * Dependencies before dependents, ties by key: document order, a gate right after the last node
 * under it.
 * Throws TaskGraphLimitError past MAX_TASK_DEPENDENCIES and DependencyCycleError on a cycle.
 */
function dependencyOrder(nodes: readonly PlannedNode[], drafts: readonly TaskDraft[]): readonly number[] {
  const key = (i: number) => drafts[i]!.key;
  for (const d of drafts) {
    if (d.dependsOn.length > MAX_TASK_DEPENDENCIES) {
      throw new TaskGraphLimitError(d.id, d.title, d.dependsOn.length, MAX_TASK_DEPENDENCIES);
    }
    // Sorting allocates even for one item, and most tasks have at most one dependency.
    if (d.dependsOn.length > 1) d.dependsOn.sort((a, b) => key(a) - key(b));
  }
  const { order, cycle } = orderByDependencies(
    drafts.map((d) => d.dependsOn),
    key,
  );
  if (cycle) {
    throw new DependencyCycleError(
      cycle.map((i) => ({
        taskId: drafts[i]!.id,
        planNodeId: nodes[drafts[i]!.node]!.id,
        title: drafts[i]!.title,
      })),
    );
  }
  return order;
}

/** The task specs in `order`, and the link from each plan node to its tasks. */
function taskGraphOf(
  tree: PlanTree,
  drafts: readonly TaskDraft[],
  order: readonly number[],
  reuse: TaskReuse | undefined,
): TaskGraph {
  const { nodes } = tree;
  const taskIdsByNode = new Map<string, string[]>();
  const trailOf = headingTrails(tree);
  const tasks = order.map((i) => {
    const d = drafts[i]!;
    const nodeId = nodes[d.node]!.id;
    const ids = taskIdsByNode.get(nodeId);
    if (ids) ids.push(d.id);
    else taskIdsByNode.set(nodeId, [d.id]);
    const dependsOn = d.dependsOn.map((j) => drafts[j]!.id);
    if (d.gate) return gateSpec(d, nodes[d.node]!, dependsOn);
    return (reuse && reusedTask(d, tree, dependsOn, reuse)) ?? taskSpec(d, tree, dependsOn, trailOf);
  });
  return { tasks, taskIdsByNode, outline: outlineOf(tree) };
}

/**
 * The previous planning's task for `d`, when `taskSpec` would make the same of it: every input
 * `taskSpec` and `describe` read is unchanged (the node and its ancestors apart from positions, the
 * task's title and dependencies, the titles of the nodes it comes after). Its source lines are
 * the node's. Undefined otherwise.
 */
function reusedTask(
  d: TaskDraft,
  { nodes, indexOf }: PlanTree,
  dependsOn: readonly string[],
  { previous, unchanged }: TaskReuse,
): TaskSpec | undefined {
  if (unchanged[d.node] !== 1) return undefined;
  const before = previous.taskOf(d.id);
  if (before === undefined || before.gate === true || before.title !== d.title) return undefined;
  if (!sameStrings(before.dependsOn, dependsOn)) return undefined;
  const node = nodes[d.node]!;
  for (const r of node.dependencyReasons ?? []) {
    const k = indexOf.get(r.nodeId);
    if ((k === undefined ? undefined : nodes[k]!.title) !== previous.nodeOf(r.nodeId)?.title)
      return undefined;
  }
  return withLinesOf(before, node);
}

/**
 * `before` (a task `taskSpec` made of the node as it was, the same apart from its lines) with the
 * node's lines now: itself when they did not move. Undefined when one has lines and the other not.
 */
function withLinesOf(before: TaskSpec, node: PlannedNode): TaskSpec | undefined {
  const lines = node.startLine !== undefined && node.endLine !== undefined;
  const source = before.source;
  if (!lines) return source === undefined ? before : undefined;
  if (source === undefined) return undefined;
  if (source.startLine === node.startLine && source.endLine === node.endLine) return before;
  // The node's file is compared with the rest of it: only the lines moved.
  return { ...before, source: { ...source, startLine: node.startLine!, endLine: node.endLine! } };
}

function gateTitle(nodeTitle: string, suffix: string): string {
  const title = `Checkpoint: ${nodeTitle} complete${suffix}`;
  return title.length > 300 ? `${title.slice(0, 299)}…` : title;
}

function nearest<T>(
  node: number,
  nodes: readonly PlannedNode[],
  parent: Int32Array,
  pick: (n: PlannedNode) => readonly T[],
): readonly T[] {
  for (let a = node; a >= 0; a = parent[a]!) {
    const found = pick(nodes[a]!);
    if (found.length > 0) return found;
  }
  return [];
}

function taskSpec(
  d: TaskDraft,
  tree: PlanTree,
  dependsOn: string[],
  trailOf: (node: number) => string,
): TaskSpec {
  const { nodes, parent } = tree;
  const i = d.node;
  const node = nodes[i]!;
  const paths = nearest(i, nodes, parent, (n) => n.filePaths);
  // A task never gets git's directory or a secret file (.env, keys, .npmrc...) in its scope,
  // whatever the blueprint names: editing those needs a person (DESIGN.md section 6).
  const scopePaths = scopeOf(paths);
  // Only commands that check the work validate it: an install step or a bare tool name does not.
  const validationCommands = nearest(i, nodes, parent, (n) => n.commands.filter(isCheckCommand))
    .slice(0, 50)
    .map((argv) => [...argv]);
  const acceptanceCriteria = nearest(i, nodes, parent, (n) => n.acceptanceCriteria).slice(0, 100);
  const spec: TaskSpec = {
    id: d.id,
    title: d.title,
    description: describe(node, trailOf(i), tree, validationCommands),
    kind: taskKindOf(node.title, paths),
    planNodeId: node.id,
    dependsOn,
    scopePaths,
    validationCommands,
    priority: node.priorityClass * 50,
    risk: node.risk,
    estimateUsd: estimateRunUsd({
      words: node.wordCount,
      scopePaths: scopePaths.length,
      checks: validationCommands.length + acceptanceCriteria.length,
    }),
  };
  if (acceptanceCriteria.length > 0) spec.acceptanceCriteria = acceptanceCriteria;
  if (node.deliverables.length > 0) spec.deliverables = node.deliverables.slice(0, 100);
  if (node.startLine !== undefined && node.endLine !== undefined) {
    spec.source = {
      ...(node.file !== undefined ? { file: node.file } : {}),
      startLine: node.startLine,
      endLine: node.endLine,
    };
  }
  spec.why = { priority: node.reasons.priority, risk: node.reasons.risk };
  return spec;
}

/** The first 500 distinct scope globs of `paths`, secret files left out. */
function scopeOf(paths: readonly string[]): string[] {
  const globs = new Set<string>();
  for (const path of paths) {
    if (globs.size === MAX_SCOPE_PATHS) break;
    if (!isSecretPath(path)) globs.add(scopeGlobFor(path));
  }
  return [...globs];
}

function gateSpec(d: TaskDraft, node: PlannedNode, dependsOn: string[]): TaskSpec {
  return {
    id: d.id,
    title: d.title,
    description: `A checkpoint: done once every task under "${node.title}" has succeeded. It has no work of its own.`,
    kind: 'test',
    planNodeId: node.id,
    dependsOn,
    scopePaths: [],
    validationCommands: [],
    acceptanceCriteria: [`Every task under "${node.title}" succeeded`.slice(0, 2000)],
    priority: node.priorityClass * 50,
    risk: 'low',
    estimateUsd: 0,
    gate: true,
  };
}

/**
 * Each node's heading path ("Shop > Phase 1 > Login page"), built on its parent's: the tasks of a
 * story share its path, so each ancestor's is joined once per plan rather than once per task.
 */
function headingTrails({ nodes, parent }: PlanTree): (node: number) => string {
  const ancestorTrails = new Map<number, string>();
  const ancestorTrail = (a: number): string => {
    let trail = ancestorTrails.get(a);
    if (trail === undefined) {
      trail = trailOf(a);
      ancestorTrails.set(a, trail);
    }
    return trail;
  };
  const trailOf = (i: number): string => {
    const p = parent[i]!;
    return p >= 0 ? `${ancestorTrail(p)} > ${nodes[i]!.title}` : nodes[i]!.title;
  };
  return trailOf;
}

/** The task's text: where it comes from and what it delivers, in Markdown. */
function describe(
  node: PlannedNode,
  trail: string,
  { nodes, indexOf }: PlanTree,
  validation: readonly (readonly string[])[],
): string {
  const titleOf = (id: string) => {
    const k = indexOf.get(id);
    return k === undefined ? undefined : nodes[k]!.title;
  };
  // Where in the blueprint, by file but not by line: a task's description is part of its work
  // (the manager starts a task over when it changes), and lines added above it are no change to
  // it. Its lines are in `source`.
  const lines = [`From the blueprint: ${trail}${node.file !== undefined ? ` (${node.file})` : ''}.`];
  if (node.body !== '') lines.push('', node.body);
  if (node.deliverables.length > 0)
    lines.push('', 'Deliverables:', ...node.deliverables.map((x) => `- ${x}`));
  if (node.dependencyReasons !== undefined && node.dependencyReasons.length > 0) {
    lines.push(
      '',
      'Comes after:',
      ...node.dependencyReasons.map((r) => `- ${titleOf(r.nodeId) ?? r.nodeId}: "${r.because}"`),
    );
  }
  if (node.externalDependencies.length > 0) {
    lines.push('', 'Waits on (outside the plan):', ...node.externalDependencies.map((x) => `- ${x}`));
  }
  if (validation.length > 0) lines.push('', 'Validation:', ...validation.map((c) => `- \`${c.join(' ')}\``));
  const text = lines.join('\n');
  return text.length > 20_000 ? `${text.slice(0, 19_999)}…` : text;
}

/**
 * How a task is validated, one line each: its commands, or (with none) its acceptance criteria as
 * checks a reviewer makes. For the CLI's `validation` field.
 */
export function validationOf(task: TaskSpec): string[] {
  if (task.validationCommands.length > 0) return task.validationCommands.map((argv) => argv.join(' '));
  return (task.acceptanceCriteria ?? []).map((c) => `check: ${c}`);
}
