import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import {
  commitWithOutbox,
  replaceRevisioned,
  type DocumentStore,
  type RevisionedDoc,
} from '@autopilot/store';

/** A document written by compare-and-set on its store revision. */
export type VersionedDoc = RevisionedDoc;

/**
 * Writes `doc` to `collection` by compare-and-set on `expectedVersion` (0: must be new) and appends
 * `events` to the outbox, in one transaction; StoreRevisionConflictError when the stored revision
 * differs. A document stored before these records had revisions (before issue 12) is taken over as
 * if new, so an upgraded store does not refuse its old reports forever.
 */
export function commitVersioned(
  store: DocumentStore,
  clock: Clock,
  collection: string,
  doc: VersionedDoc,
  expectedVersion: number,
  events: readonly Envelope[],
): Promise<void> {
  return commitWithOutbox(
    store,
    async (tx) => {
      await replaceRevisioned(tx.collection<VersionedDoc>(collection), doc, expectedVersion);
      return { result: undefined, events };
    },
    clock,
  );
}
