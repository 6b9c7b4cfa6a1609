import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  replaceRevisioned,
  type DocumentStore,
  type RevisionedDoc,
} from '@autopilot/store';

/** A document written by compare-and-set on its store revision. */
export type VersionedDoc = RevisionedDoc;

/** One document to write by compare-and-set: `expectedVersion` 0 means it must be new. */
export interface VersionedWrite {
  readonly collection: string;
  readonly doc: VersionedDoc;
  readonly expectedVersion: number;
}

/**
 * Writes each document by compare-and-set on its `expectedVersion` and appends `events` to the
 * outbox, in one transaction that also records the message being handled in the inbox (it is the
 * handling's one commit); StoreRevisionConflictError when a stored revision differs, nothing
 * written. A document stored before these records had revisions (before issue 12) is taken over as
 * if new, so an upgraded store does not refuse its old reports forever.
 */
export function commitVersioned(
  store: DocumentStore,
  clock: Clock,
  writes: readonly VersionedWrite[],
  events: readonly Envelope[],
): Promise<void> {
  return commitWithOutbox(
    store,
    async (tx) => {
      await recordHandledMessage(tx, clock);
      for (const { collection, doc, expectedVersion } of writes) {
        await replaceRevisioned(tx.collection<VersionedDoc>(collection), doc, expectedVersion);
      }
      return { result: undefined, events };
    },
    clock,
  );
}
