import { AutopilotError } from '@autopilot/kernel';
import type { StoredPlanNode, StoredTask } from '../app/ports';
import { sameJsonApart } from '../domain/same-json';

/**
 * Where a stored plan's nodes and tasks sit in the blueprint text, kept apart from them. An edit
 * that changes a section's length moves every node and task after it: with the positions inside
 * the bucket documents, a one-section edit in the middle of a 500k-word blueprint (`npm run
 * bench:ingest`) rewrote all 128 node buckets (~15 MB of JSON; the task buckets too when the edit
 * adds lines); with them apart it rewrites the buckets of what changed and this one document.
 *
 * The positional fields: a node's `start`, `end`, `startLine`, `endLine` and each of its sources'
 * `start` (section facts are relative to their section, so they do not move), and a task's
 * `source.startLine` and `source.endLine`.
 */

/**
 * A plan's positions, `_id` = the plan id. `nodes[b]` and `tasks[b]` hold the positions of the
 * members of bucket `b`, in the bucket's member order, one after another (see `nodePositions` and
 * `taskPositions` for the order within a member); an empty bucket has an empty list.
 */
export interface PlanPositionsDoc {
  _id: string;
  [field: string]: unknown;
  nodes: readonly (readonly number[])[];
  tasks: readonly (readonly number[])[];
}

/**
 * What a bucket stores in place of a position. The key stays where it was, with this value, so a
 * loaded node or task has its keys in the order committed: code compares stored objects by their
 * JSON text (check-plans-against-repo.ts), and a moved key would read as a change.
 */
const BLANK = 0;

/** The positional keys of a node (PlanNode), of one of its sources, and of a task's `source`. */
export const NODE_POSITION_KEYS: ReadonlySet<string> = new Set(['start', 'end', 'startLine', 'endLine']);
export const SOURCE_POSITION_KEYS: ReadonlySet<string> = new Set(['start']);
export const TASK_SOURCE_POSITION_KEYS: ReadonlySet<string> = new Set(['startLine', 'endLine']);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The positions of a stored node, written into `into` from `at` (over what is there, or appended):
 * start, end, [startLine], [endLine], sources' starts. Returns the index after them.
 */
export function nodePositions(stored: StoredPlanNode, into: number[], at: number): number {
  const { node, sources } = stored;
  into[at++] = node.start;
  into[at++] = node.end;
  if (node.startLine !== undefined) into[at++] = node.startLine;
  if (node.endLine !== undefined) into[at++] = node.endLine;
  for (let i = 0; i < sources.length; i++) into[at++] = sources[i]!.start;
  return at;
}

/**
 * The positions of a stored task, written into `into` from `at` as nodePositions writes: its
 * source's startLine and endLine, if it has a source. Returns the index after them.
 */
export function taskPositions(stored: StoredTask, into: number[], at: number): number {
  const source = stored.task.source;
  if (source === undefined) return at;
  into[at++] = source.startLine;
  into[at++] = source.endLine;
  return at;
}

/** A copy of the node as its bucket stores it: every positional field BLANK, in its place. */
export function blankNodePositions(stored: StoredPlanNode): StoredPlanNode {
  const node = { ...stored.node, start: BLANK, end: BLANK };
  if (node.startLine !== undefined) node.startLine = BLANK;
  if (node.endLine !== undefined) node.endLine = BLANK;
  return { ...stored, node, sources: stored.sources.map((s) => ({ ...s, start: BLANK })) };
}

/** A copy of the task as its bucket stores it: its source's lines BLANK, in their place. */
export function blankTaskPositions(stored: StoredTask): StoredTask {
  const source = stored.task.source;
  if (source === undefined) return stored;
  return { ...stored, task: { ...stored.task, source: { ...source, startLine: BLANK, endLine: BLANK } } };
}

/** True when the nodes' bucket entries are the same JSON: `sameJson` of their `blankNodePositions`. */
export function sameStoredNode(a: StoredPlanNode, b: StoredPlanNode): boolean {
  if (a === b) return true;
  if (!sameJsonApart(a, b, NODE_ENTRY_PARTS) || !sameJsonApart(a.node, b.node, NODE_POSITION_KEYS))
    return false;
  if (a.sources.length !== b.sources.length) return false;
  for (let i = 0; i < a.sources.length; i++)
    if (!sameJsonApart(a.sources[i]!, b.sources[i]!, SOURCE_POSITION_KEYS)) return false;
  return true;
}

/** True when the tasks' bucket entries are the same JSON: `sameJson` of their `blankTaskPositions`. */
export function sameStoredTask(a: StoredTask, b: StoredTask): boolean {
  if (a === b) return true;
  if (!sameJsonApart(a, b, TASK_ENTRY_PARTS) || !sameJsonApart(a.task, b.task, TASK_SOURCE_KEY)) return false;
  const x = a.task.source;
  const y = b.task.source;
  // Both have a source or neither does: the tasks' keys compared so.
  if (x === undefined || y === undefined) return true;
  return sameJsonApart(x, y, TASK_SOURCE_POSITION_KEYS);
}

const NODE_ENTRY_PARTS: ReadonlySet<string> = new Set(['node', 'sources']);
const TASK_ENTRY_PARTS: ReadonlySet<string> = new Set(['task']);
const TASK_SOURCE_KEY: ReadonlySet<string> = new Set(['source']);

/** The stored plan's bucket documents and its positions document do not fit together. */
export class StoredPositionsMismatchError extends AutopilotError {
  readonly code = 'PLANNER_STORED_POSITIONS_MISMATCH';
  constructor(
    readonly planId: string,
    readonly bucketId: string,
  ) {
    super(`plan ${planId}: the positions document does not match the members of bucket ${bucketId}`);
  }
}

/**
 * Reads positions back into the members of one bucket as loaded (fresh objects from the store,
 * written in place: a 500k-word plan has ~40k members, and copying them would double the load).
 * Throws StoredPositionsMismatchError unless `positions` holds exactly what `members` need.
 */
export class PositionsReader {
  private at = 0;

  constructor(
    private readonly positions: readonly number[] | undefined,
    private readonly planId: string,
    private readonly bucketId: string,
  ) {}

  restoreNode(stored: StoredPlanNode): void {
    const node = stored.node as Mutable<StoredPlanNode['node']>;
    node.start = this.next();
    node.end = this.next();
    if (node.startLine !== undefined) node.startLine = this.next();
    if (node.endLine !== undefined) node.endLine = this.next();
    for (const source of stored.sources as Mutable<StoredPlanNode['sources'][number]>[])
      source.start = this.next();
  }

  restoreTask(stored: StoredTask): void {
    const source = stored.task.source as Mutable<NonNullable<StoredTask['task']['source']>> | undefined;
    if (source === undefined) return;
    source.startLine = this.next();
    source.endLine = this.next();
  }

  /** Throws unless every position was read. */
  end(): void {
    if (this.at !== (this.positions?.length ?? 0)) this.mismatch();
  }

  private next(): number {
    const value = this.positions?.[this.at++];
    if (typeof value !== 'number') this.mismatch();
    return value;
  }

  private mismatch(): never {
    throw new StoredPositionsMismatchError(this.planId, this.bucketId);
  }
}

/** True when both hold the same numbers in the same order. */
export function samePositions(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
