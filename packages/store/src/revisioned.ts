import type { Collection, Doc } from './document-store';

/** A document written by compare-and-set on its `version` (its store revision). */
export interface RevisionedDoc extends Doc {
  version?: number;
}

/**
 * `replaceIfVersion(doc, expectedVersion)`, except that a document stored before its collection was
 * written by compare-and-set (no numeric `version`) is taken over as if new when `expectedVersion`
 * is 0, so a store written by an older Autopilot does not refuse its own documents forever.
 * Returns the document as stored. Throws StoreRevisionConflictError otherwise, as replaceIfVersion.
 */
export async function replaceRevisioned<T extends RevisionedDoc>(
  collection: Collection<T>,
  doc: T,
  expectedVersion: number,
): Promise<T> {
  if (expectedVersion === 0) {
    const stored = await collection.get(doc._id);
    if (stored !== null && typeof stored.version !== 'number') {
      const adopted = { ...doc, version: 1 };
      await collection.upsert(adopted);
      return adopted;
    }
  }
  return collection.replaceIfVersion(doc, expectedVersion);
}
