import { StoreUsageError, type RevisionedDoc } from '@autopilot/store';

/**
 * The revisions a transaction read, by collection and id: every write compare-and-sets on what was
 * read (0 for a document that was not there), and a write of a document never read is refused, so
 * no write can pass the revision check blind.
 */
export function readVersions(writer: string): {
  seen: (collection: string, id: string, doc: RevisionedDoc | null) => void;
  versionOf: (collection: string, id: string) => number;
} {
  const versions = new Map<string, number>();
  const key = (collection: string, id: string) => `${collection}\u0000${id}`;
  return {
    seen: (collection, id, doc) =>
      void versions.set(key(collection, id), doc === null ? 0 : (doc.version ?? 0)),
    versionOf: (collection, id) => {
      const v = versions.get(key(collection, id));
      if (v === undefined)
        throw new StoreUsageError(`${writer} write of ${collection}/${id} that was not read first`);
      return v;
    },
  };
}
