import type { StoredPlanNode, StoredTask } from '../app/ports';
import { nodePositions, taskPositions } from './plan-positions';

/**
 * Nodes and tasks are stored in BUCKETS documents per plan, by a hash of their id. One document per
 * node measured ~1.3 s to write and ~2.7 s to read back for a 26k-section blueprint (52k rows), a
 * third of the whole ingest-and-plan budget; 2 x 128 documents take a fraction of that. A bucket
 * holds its members sorted by id, so an edit rewrites only the buckets of the nodes it changed. It
 * holds them without their positions in the text (plan-positions.ts): an edit moves every node after
 * it, and would otherwise change every bucket.
 */
export const BUCKETS = 128;

/** The bucket of a member with id `id`. */
export function bucketOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % BUCKETS;
}

/**
 * One bucket of a layout, as a commit writes it. Never mutated: a later layout shares the buckets
 * that did not change.
 */
export interface BucketLayout<T> {
  /** The members sorted by id, as the bucket's document holds them. */
  readonly members: readonly T[];
  /** Their positions, as PlanPositionsDoc lists the bucket's. */
  readonly positions: readonly number[];
  /** The members in the order the commit listed them (see bucketsLayout). */
  readonly listed: readonly T[];
  /** How the listed members sort: `members[k]` is `listed[order[k]]`. */
  readonly order: readonly number[];
  /** Whether two members have the same id (a member's bucket is its id's). */
  readonly repeats: boolean;
}

/**
 * One kind of a plan's members (its nodes or its tasks) by bucket number; undefined: an empty bucket.
 * `listing`, when there is one, says how the commit listed them (see Listing).
 */
export interface BucketsLayout<T> extends ReadonlyArray<BucketLayout<T> | undefined> {
  readonly listing?: Listing<T>;
}

/**
 * The members as the commit listed them (the list itself, never mutated), and each one's bucket.
 * A next commit that lists the same ids in the same order (a re-plan that moved members or changed
 * them in place) groups them as this one did, bucket for bucket, without hashing an id again.
 */
export interface Listing<T> {
  readonly members: readonly T[];
  readonly buckets: Uint8Array;
}

/** What a layout needs of one kind of member. */
export interface MemberKind<T> {
  idOf(member: T): string;
  /** Writes the member's positions into `into` from `at`, in PlanPositionsDoc's order; returns the index after them. */
  positionsOf(member: T, into: number[], at: number): number;
}

export const NODE_MEMBERS: MemberKind<StoredPlanNode> = {
  idOf: (n) => n.node.id,
  positionsOf: nodePositions,
};

export const TASK_MEMBERS: MemberKind<StoredTask> = {
  idOf: (t) => t.task.id,
  positionsOf: taskPositions,
};

/** The layout of no members: a plan's before its first commit. */
export const EMPTY_LAYOUT: BucketsLayout<never> = [];

/**
 * `members` by bucket: each bucket sorted by id (ties in the order listed), so the same members give
 * the same documents. `previous`, the layout of the plan they replace, only saves work: a bucket
 * that lists the identical members (===) in the same order is `previous`'s own (a commit tells it
 * unchanged without a look inside); one that lists the same ids in the same order (members moved,
 * or changed in place) sorts as it did and reads its positions again. A re-plan of a 500k-word
 * blueprint lays out ~40k members: sorting them all was a third of what saving it took, and the
 * buckets of members it kept as they were are most of them. Members are never mutated, so an
 * identical member has the positions it had. When the members list the ids `previous` listed, in its
 * order (its `listing`), they are grouped as it grouped them, without hashing an id: the usual re-plan,
 * where an edit moves what follows it and changes a few members in place.
 */
export function bucketsLayout<T>(
  members: readonly T[],
  kind: MemberKind<T>,
  previous: BucketsLayout<T> = EMPTY_LAYOUT,
): BucketsLayout<T> {
  const { listing } = previous;
  const touched = listing && touchedBuckets(members, listing, kind);
  if (listing && touched) return relaidOut(members, kind, previous, listing.buckets, touched);
  const buckets = new Uint8Array(members.length);
  const listed = groupedByBucket(members, kind, buckets);
  const layout = Array.from({ length: BUCKETS }, (_, b) => {
    const list = listed[b];
    return list && bucketLayout(list, kind, previous[b]);
  });
  return Object.assign(layout, { listing: { members, buckets } });
}

/**
 * The layout of `members`, which list the ids `previous` listed, in its order (`buckets`: the bucket
 * of each). Each bucket lists the same ids in the same order as before (what `listMatch` would find):
 * a bucket `touched`, where a member is not the identical one, is laid out again as 'same ids'; the
 * others are `previous`'s own.
 */
function relaidOut<T>(
  members: readonly T[],
  kind: MemberKind<T>,
  previous: BucketsLayout<T>,
  buckets: Uint8Array,
  touched: Uint8Array,
): BucketsLayout<T> {
  const listed: (T[] | undefined)[] = new Array<T[] | undefined>(BUCKETS).fill(undefined);
  for (let b = 0; b < BUCKETS; b++) if (touched[b] === 1) listed[b] = [];
  for (let i = 0; i < members.length; i++) listed[buckets[i]!]?.push(members[i]!);
  const layout = Array.from({ length: BUCKETS }, (_, b) => {
    const list = listed[b];
    return list ? sameIdsLayout(list, kind, previous[b]!) : previous[b];
  });
  return Object.assign(layout, { listing: { members, buckets } });
}

/** True when no two members of the layout have the same id. */
export function uniqueIds<T>(layout: BucketsLayout<T>): boolean {
  return !layout.some((bucket) => bucket?.repeats);
}

// The steps below are small functions, one loop each: the JIT optimises each on its own, and a
// re-plan runs them once over ~40k members, mostly before they are warm.

/** `members` by bucket, in the order listed; each one's bucket into `buckets`. */
function groupedByBucket<T>(
  members: readonly T[],
  kind: MemberKind<T>,
  buckets: Uint8Array,
): (T[] | undefined)[] {
  const listed: (T[] | undefined)[] = new Array<T[] | undefined>(BUCKETS).fill(undefined);
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    const b = bucketOf(kind.idOf(member));
    buckets[i] = b;
    const list = listed[b];
    if (list) list.push(member);
    else listed[b] = [member];
  }
  return listed;
}

/**
 * When `members` have the ids `listing` has, in its order: per bucket, 1 where one of its members is
 * not the identical one listed before. Undefined otherwise.
 */
function touchedBuckets<T>(
  members: readonly T[],
  listing: Listing<T>,
  kind: MemberKind<T>,
): Uint8Array | undefined {
  const before = listing.members;
  if (members.length !== before.length) return undefined;
  const touched = new Uint8Array(BUCKETS);
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    const was = before[i]!;
    if (member === was) continue;
    if (kind.idOf(member) !== kind.idOf(was)) return undefined;
    touched[listing.buckets[i]!] = 1;
  }
  return touched;
}

function bucketLayout<T>(
  listed: readonly T[],
  kind: MemberKind<T>,
  previous: BucketLayout<T> | undefined,
): BucketLayout<T> {
  const match = previous ? listMatch(listed, previous.listed, kind) : 'none';
  if (match === 'identical') return previous!;
  if (match === 'same ids') return sameIdsLayout(listed, kind, previous!);
  const ids = listed.map(kind.idOf);
  const order = sortOrder(ids);
  const members = order.map((k) => listed[k]!);
  return { members, positions: positionsOf(members, kind), listed, order, repeats: repeatsAnId(ids, order) };
}

/** The bucket of `listed`, which lists the ids `previous` listed in the same order: sorted as it was. */
function sameIdsLayout<T>(
  listed: readonly T[],
  kind: MemberKind<T>,
  previous: BucketLayout<T>,
): BucketLayout<T> {
  const members = previous.order.map((k) => listed[k]!);
  return { ...previous, members, positions: positionsOf(members, kind, previous.positions), listed };
}

/** How a bucket's members as listed compare with those listed before, item by item. */
function listMatch<T>(
  list: readonly T[],
  before: readonly T[],
  kind: MemberKind<T>,
): 'identical' | 'same ids' | 'none' {
  if (list.length !== before.length) return 'none';
  let identical = true;
  for (let i = 0; i < list.length; i++) {
    const member = list[i]!;
    const was = before[i]!;
    if (member === was) continue;
    identical = false;
    if (kind.idOf(member) !== kind.idOf(was)) return 'none';
  }
  return identical ? 'identical' : 'same ids';
}

/** The indexes of `ids` in the order of the ids; equal ids keep their order (a stable sort). */
function sortOrder(ids: readonly string[]): number[] {
  return Array.from(ids.keys()).sort((x, y) => {
    const a = ids[x]!;
    const b = ids[y]!;
    return a < b ? -1 : a > b ? 1 : x - y;
  });
}

/** True when `ids`, read in `order` (sorted), has an id twice: next to each other. */
function repeatsAnId(ids: readonly string[], order: readonly number[]): boolean {
  for (let k = 1; k < order.length; k++) if (ids[order[k]!] === ids[order[k - 1]!]) return true;
  return false;
}

/**
 * The members' positions, one after another. Written over a copy of `like` (the bucket's last
 * positions) when given: a re-plan mostly moves members, so there are as many, and the list is
 * allocated once at its size rather than grown (~2 MB of garbage for a 500k-word plan).
 */
function positionsOf<T>(members: readonly T[], kind: MemberKind<T>, like?: readonly number[]): number[] {
  const positions = like ? like.slice() : [];
  let at = 0;
  for (let k = 0; k < members.length; k++) at = kind.positionsOf(members[k]!, positions, at);
  positions.length = at;
  return positions;
}
