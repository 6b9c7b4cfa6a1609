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
