/**
 * Ids of the plan graph, derived from what they name so that re-planning an unchanged section
 * gives the same ids (the "keeps the ids of unchanged nodes"). A plan has ~26k nodes and
 * as many tasks at the top of the size range, so this uses a fast non-cryptographic 104-bit hash
 * rather than SHA-256 (a pure SHA-256 measured ~8 µs per id under jest, ~0.4 s for a large plan; the
 * anchor, gap and proposal ids of `content-id.ts` take the kernel's as data): the ids only need to be
 * stable and collision-free, not unforgeable. Changing this function changes every stored plan id.
 */

/**
 * 32-bit multiplication. `Math.imul` would do, but under jest's VM sandbox a call to it crosses
 * realms and costs ~50x (measured: 1.3 s against 24 ms for 5.7M calls), which made planning a
 * 26k-section test blueprint take seconds. Plain arithmetic on 16-bit halves is exact and fast everywhere.
 */
function mul32(a: number, b: number): number {
  const low = (a & 0xffff) * b;
  const high = (((a >>> 16) * b) & 0xffff) << 16;
  return (low + high) | 0;
}

const SEED_A = 0x9e3779b1;
const SEED_B = 0x85ebca6b;

/**
 * 52 bits of a cyrb53-style hash of `text` with each of the two seeds, as 13 hex digits each.
 * Both hashes are taken in one pass over the text: ids are hashed ~60k times per large plan.
 */
function hash52Pair(text: string): string {
  let a1 = 0xdeadbeef ^ SEED_A;
  let a2 = 0x41c6ce57 ^ SEED_A;
  let b1 = 0xdeadbeef ^ SEED_B;
  let b2 = 0x41c6ce57 ^ SEED_B;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a1 = mul32(a1 ^ ch, 2654435761);
    a2 = mul32(a2 ^ ch, 1597334677);
    b1 = mul32(b1 ^ ch, 2654435761);
    b2 = mul32(b2 ^ ch, 1597334677);
  }
  return finish52(a1, a2) + finish52(b1, b2);
}

/** The final mix of a cyrb53-style hash's two lanes: 52 bits (20 + 32) as 13 hex digits. */
function finish52(lane1: number, lane2: number): string {
  const h1 = mul32(lane1 ^ (lane1 >>> 16), 2246822507) ^ mul32(lane2 ^ (lane2 >>> 13), 3266489909);
  const h2 = mul32(lane2 ^ (lane2 >>> 16), 2246822507) ^ mul32(h1 ^ (h1 >>> 13), 3266489909);
  const high = h2 & 0xfffff;
  // In one string, by hand: `toString(16)` of a 52-bit number measured ~1 µs a call, and digit by
  // digit each id made a dozen throwaway strings; ids are formatted ~60k times a plan.
  return String.fromCharCode(
    hexDigit(high, 4),
    hexDigit(high, 3),
    hexDigit(high, 2),
    hexDigit(high, 1),
    hexDigit(high, 0),
    hexDigit(h1, 7),
    hexDigit(h1, 6),
    hexDigit(h1, 5),
    hexDigit(h1, 4),
    hexDigit(h1, 3),
    hexDigit(h1, 2),
    hexDigit(h1, 1),
    hexDigit(h1, 0),
  );
}

const HEX_DIGITS = [...'0123456789abcdef'].map((digit) => digit.charCodeAt(0));

/** The character code of hex digit `position` (0: the lowest) of `value`. */
function hexDigit(value: number, position: number): number {
  return HEX_DIGITS[(value >>> (4 * position)) & 15]!;
}

/** `<prefix>-` and 26 hex digits (two independently seeded 52-bit hashes) of the parts joined by NUL. */
export function stableId(prefix: string, parts: readonly string[]): string {
  return `${prefix}-${hash52Pair(parts.join('\u0000'))}`;
}

/**
 * One plan per blueprint of a project, revised as that blueprint's versions arrive. A project may
 * hold several blueprints (a backend and a frontend spec): each is planned, and one never replaces
 * or supersedes the other's plan; their nodes and tasks have distinct ids, since node ids follow
 * the plan id. (Until issue 13 this was one plan per project, so a second blueprint either replaced
 * the first's plan or was refused as older than it.)
 */
export function planIdFor(projectId: string, blueprintId: string): string {
  return stableId('plan', [projectId, blueprintId]);
}

/** A node keeps its id while its section keeps its id (ingestion keeps that stable per heading path). */
export function planNodeIdFor(planId: string, sectionId: string): string {
  let ids = nodeIds.get(planId);
  if (ids === undefined || ids.size >= MAX_CACHED_IDS) {
    if (nodeIds.size >= MAX_CACHED_PLANS) nodeIds.clear();
    nodeIds.set(planId, (ids = new Map()));
  }
  let id = ids.get(sectionId);
  if (id === undefined) ids.set(sectionId, (id = stableId('pn', [planId, sectionId])));
  return id;
}

/** One task per task_spec node: the task id follows the node id. */
export function taskIdFor(planNodeId: string): string {
  let id = taskIds.get(planNodeId);
  if (id === undefined) {
    if (taskIds.size >= MAX_CACHED_IDS) taskIds.clear();
    taskIds.set(planNodeId, (id = stableId('task', [planNodeId])));
  }
  return id;
}

/**
 * Node and task ids already made, by what they are made of. Re-planning an edited blueprint makes
 * the same ~40k ids again: taken from here they are the same strings as before, so comparing them
 * with the last planning's (plan-reuse.ts) or finding them in a map is a pointer check and a hash
 * already known, not a character walk. Bounded (a plan per blueprint; the latest few kept).
 */
const nodeIds = new Map<string, Map<string, string>>();
const taskIds = new Map<string, string>();
const MAX_CACHED_IDS = 100_000;
const MAX_CACHED_PLANS = 8;

/** The checkpoint task standing for "everything under this node is done"; `part` numbers its pieces. */
export function gateTaskIdFor(planNodeId: string, part: number | 'all'): string {
  return stableId('gate', [planNodeId, String(part)]);
}
