import { InOrderLookup } from '@autopilot/kernel';

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
 * the store give them), found in order (InOrderLookup) rather than by a map of the parent's hashes.
 * The same as changedSectionIds, since a version holds an id once (one id, one heading path).
 */
export function changedSinceParent(
  parent: readonly HashedSection[] | undefined,
  sections: readonly HashedSection[],
): string[] {
  if (!parent) return sections.map((s) => s.id);
  const changed: string[] = [];
  const lookup = new InOrderLookup(parent);
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    const at = lookup.indexOf(s.id);
    if (at === undefined || parent[at]!.hash !== s.hash) changed.push(s.id);
  }
  return changed;
}
