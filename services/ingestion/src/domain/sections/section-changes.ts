/**
 * Sections new or changed since the parent version: ids the parent did not have, or whose hash
 * differs. Without a parent every section is new. Ids are kept for unchanged heading paths
 * (section-tree.ts), so an edit to one body changes one id's hash and nothing else.
 */
export function changedSectionIds(
  parentHashes: ReadonlyMap<string, string> | undefined,
  sections: readonly { id: string; hash: string }[],
): string[] {
  if (!parentHashes) return sections.map((s) => s.id);
  return sections.filter((s) => parentHashes.get(s.id) !== s.hash).map((s) => s.id);
}

/** A section as changedSinceParent compares it. */
type HashedSection = { readonly id: string; readonly hash: string };

/**
 * changedSectionIds against the parent's sections themselves (in document order, as a parse and
 * the store give them). Each is looked for first where the last one found was followed, as an edit
 * leaves most sections in order; only one found elsewhere makes the map of the parent's ids (one
 * per version was 19.5k entries, 1.5 MB, for a one-section edit). The same as changedSectionIds of
 * the parent's hashes by id, since a version holds an id once (one id, one heading path).
 */
export function changedSinceParent(
  parent: readonly HashedSection[] | undefined,
  sections: readonly HashedSection[],
): string[] {
  if (!parent) return sections.map((s) => s.id);
  const changed: string[] = [];
  let indexById: Map<string, number> | undefined;
  let next = 0;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    let at: number | undefined = next;
    if (parent[next]?.id !== s.id) {
      indexById ??= indexesById(parent);
      at = indexById.get(s.id);
    }
    if (at === undefined) changed.push(s.id);
    else {
      if (parent[at]!.hash !== s.hash) changed.push(s.id);
      next = at + 1;
    }
  }
  return changed;
}

/** The index of each id, the last where one is held twice (as a map of them all keeps it). */
function indexesById(sections: readonly HashedSection[]): Map<string, number> {
  const indexes = new Map<string, number>();
  for (let i = 0; i < sections.length; i++) indexes.set(sections[i]!.id, i);
  return indexes;
}
