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

/** 52 bits of a cyrb53-style hash of `text` with `seed`, as 13 hex digits. */
function hash52(text: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = mul32(h1 ^ ch, 2654435761);
    h2 = mul32(h2 ^ ch, 1597334677);
  }
  h1 = mul32(h1 ^ (h1 >>> 16), 2246822507) ^ mul32(h2 ^ (h2 >>> 13), 3266489909);
  h2 = mul32(h2 ^ (h2 >>> 16), 2246822507) ^ mul32(h1 ^ (h1 >>> 13), 3266489909);
  const value = 0x100000000 * (h2 & 0xfffff) + (h1 >>> 0); // 20 + 32 bits
  return value.toString(16).padStart(13, '0');
}

/** `<prefix>-` and 26 hex digits (two independently seeded 52-bit hashes) of the parts joined by NUL. */
export function stableId(prefix: string, parts: readonly string[]): string {
  const text = parts.join('\u0000');
  return `${prefix}-${hash52(text, 0x9e3779b1)}${hash52(text, 0x85ebca6b)}`;
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
  return stableId('pn', [planId, sectionId]);
}

/** One task per task_spec node: the task id follows the node id. */
export function taskIdFor(planNodeId: string): string {
  return stableId('task', [planNodeId]);
}

/** The checkpoint task standing for "everything under this node is done"; `part` numbers its pieces. */
export function gateTaskIdFor(planNodeId: string, part: number | 'all'): string {
  return stableId('gate', [planNodeId, String(part)]);
}
