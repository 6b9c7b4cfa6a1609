import type { PlanNode } from '@autopilot/contracts';
import type { PlannedNode, SectionSource } from './plan-graph';
import { sameJson } from '../same-json';
import { MAX_LISTED_IDS } from './plan-node-message';

/**
 * Re-planning an edited blueprint reuses what the previous planning built from nodes that came out
 * the same (issue 17, "re-plan only the affected subtrees"). The plan graph itself is derived again
 * every time: its rules are global (dependencies resolved by title across the document, phase order,
 * sibling positions, shared task titles, whole-file "is this a plan" signals), and deriving it costs
 * less than proving which parts an edit cannot reach. What is reused is what is built from its nodes:
 * each task, each node's message and stored form, when every input it reads is the same, compared
 * value by value (never guessed from hashes). A reused object is the previous one, or a copy with
 * only its positions changed, whose parts are the previous ones: the repository's compare then finds
 * the first equal by identity, and the parts of the second (an edit moves everything after it).
 * Measured on the 500k-word bench (`npm run bench:ingest`): making the tasks and comparing the
 * stored plan went from ~0.35 s to ~0.1 s of CPU, for ~60 ms of comparing nodes (`sameAsPrevious`).
 */

/**
 * True when two planned nodes (the same node of two plannings) differ at most in their positions:
 * `start`, `end`, `startLine` and `endLine` (each present in both or in neither) and their sources'
 * `start`. Everything else is compared as data; facts reused from the stored plan are the same
 * objects, so comparing them is a pointer check. Field by field (a generic walk over the keys of
 * 20k nodes cost ~100 ms); `_allKeysCompared` makes a field added to PlannedNode fail to compile
 * until it is compared here.
 */
export function samePlannedNodeApartPositions(a: PlannedNode, b: PlannedNode): boolean {
  if (a === b) return true;
  return (
    a.id === b.id &&
    a.sectionId === b.sectionId &&
    a.parentId === b.parentId &&
    a.depth === b.depth &&
    a.kind === b.kind &&
    a.title === b.title &&
    a.label === b.label &&
    a.number === b.number &&
    a.priority === b.priority &&
    a.priorityClass === b.priorityClass &&
    a.risk === b.risk &&
    a.status === b.status &&
    a.wordCount === b.wordCount &&
    a.ambiguity === b.ambiguity &&
    a.origin === b.origin &&
    a.file === b.file &&
    (a.startLine === undefined) === (b.startLine === undefined) &&
    (a.endLine === undefined) === (b.endLine === undefined) &&
    a.reasons.priority === b.reasons.priority &&
    a.reasons.risk === b.reasons.risk &&
    sameStrings(a.dependsOn, b.dependsOn) &&
    sameStrings(a.externalDependencies, b.externalDependencies) &&
    sameDependencyReasons(a.dependencyReasons, b.dependencyReasons) &&
    sameStrings(a.deliverables, b.deliverables) &&
    sameStrings(a.acceptanceCriteria, b.acceptanceCriteria) &&
    sameStrings(a.filePaths, b.filePaths) &&
    sameCommands(a.commands, b.commands) &&
    sameSourcesApartPositions(a.sources, b.sources) &&
    // Last: the longest string.
    a.body === b.body
  );
}

/** Every key of a planned node, each compared above (`start` and `end` by presence: both required). */
type ComparedNodeKeys =
  | 'id'
  | 'sectionId'
  | 'parentId'
  | 'depth'
  | 'kind'
  | 'title'
  | 'label'
  | 'number'
  | 'start'
  | 'end'
  | 'priority'
  | 'priorityClass'
  | 'risk'
  | 'status'
  | 'dependsOn'
  | 'externalDependencies'
  | 'dependencyReasons'
  | 'deliverables'
  | 'acceptanceCriteria'
  | 'filePaths'
  | 'commands'
  | 'wordCount'
  | 'ambiguity'
  | 'origin'
  | 'sources'
  | 'body'
  | 'reasons'
  | 'file'
  | 'startLine'
  | 'endLine';
type DependencyReason = NonNullable<PlannedNode['dependencyReasons']>[number];
/** Compiles only while the lists name every key of their types: a field added to one must be compared. */
const _allKeysCompared: [
  Exclude<keyof PlannedNode, ComparedNodeKeys>,
  Exclude<keyof SectionSource, 'sectionId' | 'hash' | 'start' | 'facts'>,
  Exclude<keyof PlannedNode['reasons'], 'priority' | 'risk'>,
  Exclude<keyof DependencyReason, 'nodeId' | 'because'>,
] extends [never, never, never, never]
  ? true
  : never = true;

function sameDependencyReasons(
  a: readonly DependencyReason[] | undefined,
  b: readonly DependencyReason[] | undefined,
): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i]!.nodeId !== b[i]!.nodeId || a[i]!.because !== b[i]!.because) return false;
  return true;
}

function sameCommands(a: readonly (readonly string[])[], b: readonly (readonly string[])[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameStrings(a[i]!, b[i]!)) return false;
  return true;
}

/** Sources compared apart from their `start`: facts offsets are relative to it, so they do not move. */
function sameSourcesApartPositions(a: readonly SectionSource[], b: readonly SectionSource[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.sectionId !== y.sectionId || x.hash !== y.hash || !sameJson(x.facts, y.facts)) return false;
  }
  return true;
}

/**
 * Per node of `nodes`, whether it is the same, apart from positions, as `previous(i)` (the node of
 * its id in the previous planning, undefined for a new one): 1 or 0.
 */
export function sameAsPrevious(
  nodes: readonly PlannedNode[],
  previous: (index: number) => PlannedNode | undefined,
): Uint8Array {
  const same = new Uint8Array(nodes.length);
  nodes.forEach((node, i) => {
    const before = previous(i);
    if (before !== undefined && before.id === node.id && samePlannedNodeApartPositions(node, before))
      same[i] = 1;
  });
  return same;
}

/**
 * Per node of `nodes` (parents before children; `parent` their parents' indexes, -1 at the top or
 * where the parent is missing), whether it and every ancestor are the same, apart from positions,
 * as before (`same`, from `sameAsPrevious`). A task reads its node's ancestors (scope, checks and
 * criteria inherited from the nearest one that has them, the heading trail): it is reusable only
 * where this holds.
 */
export function unchangedLineage(
  { nodes, parent }: { readonly nodes: readonly PlannedNode[]; readonly parent: Int32Array },
  same: Uint8Array,
): Uint8Array {
  const unchanged = new Uint8Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    if (same[i] !== 1) continue;
    // parentId is compared by `same`: the same parent id, and that parent is unchanged too (a
    // parent missing from the plan is never unchanged).
    const p = parent[i]!;
    if (p < 0) unchanged[i] = nodes[i]!.parentId === undefined ? 1 : 0;
    else unchanged[i] = unchanged[p]!;
  }
  return unchanged;
}

/**
 * The node's message (`toPlanNodeMessage(node, taskIds)`) from the one the previous planning made
 * of the node, when the node is the same apart from positions (the caller knows: `sameAsPrevious`)
 * and has the same task ids: the previous message itself when the positions are the same too, else
 * a copy with the new positions (its other parts shared). Undefined when it cannot be reused.
 */
export function reusedPlanNodeMessage(
  node: PlannedNode,
  taskIds: readonly string[] | undefined,
  message: PlanNode,
): PlanNode | undefined {
  if (!sameTaskIds(message.taskIds, taskIds)) return undefined;
  // toPlanNodeMessage copies these four when present; presence is the same in both (compared above).
  if (
    message.start === node.start &&
    message.end === node.end &&
    message.startLine === node.startLine &&
    message.endLine === node.endLine
  )
    return message;
  const moved: PlanNode = { ...message, start: node.start, end: node.end };
  if (node.startLine !== undefined) moved.startLine = node.startLine;
  if (node.endLine !== undefined) moved.endLine = node.endLine;
  return moved;
}

/** As toPlanNodeMessage lists them: the first MAX_LISTED_IDS, absent when there are none. */
function sameTaskIds(listed: readonly string[] | undefined, taskIds: readonly string[] | undefined): boolean {
  const a = listed ?? [];
  const b = taskIds ?? [];
  if (a === b) return true;
  const n = Math.min(b.length, MAX_LISTED_IDS);
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when both hold the same strings in the same order. */
export function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when the positions of two nodes' sources are the same, source by source. */
export function sameSourcePositions(a: PlannedNode, b: PlannedNode): boolean {
  if (a.sources === b.sources) return true;
  if (a.sources.length !== b.sources.length) return false;
  for (let i = 0; i < a.sources.length; i++) if (a.sources[i]!.start !== b.sources[i]!.start) return false;
  return true;
}
