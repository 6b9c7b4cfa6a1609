import { systemClock, type Clock } from '@autopilot/kernel';
import type { Envelope } from '@autopilot/contracts';
import type { Doc, DocumentStore, StoreTransaction } from './document-store';

/**
 * The transactional outbox (DESIGN.md section 4): a service writes its state and the events that
 * announce it in one store transaction; a relay later publishes pending entries (envelope id as
 * `Nats-Msg-Id`) and marks them published. A crash between commit and publish re-publishes, and
 * the bus drops the duplicate, so nothing is lost and nothing is delivered twice.
 */

export const OUTBOX_COLLECTION = 'outbox';

/** One outbox document; `_id` is the envelope id. */
export interface OutboxEntry extends Doc {
  envelope: Envelope;
  /** When it was appended, ms since epoch. */
  createdAt: number;
  /** When the relay published it; absent while pending. */
  publishedAt?: number;
}

/** Declares the `outbox` collection; call once at start, next to the service's own collections. */
export function declareOutbox(store: DocumentStore): Promise<void> {
  return store.ensureCollection({
    name: OUTBOX_COLLECTION,
    indexes: [{ fields: { publishedAt: 1, createdAt: 1 } }],
  });
}

/**
 * Appends envelopes inside a transaction, so they commit with the state change or not at all.
 * Throws StoreDuplicateKeyError when an envelope id is already in the outbox.
 */
export async function appendToOutbox(
  tx: StoreTransaction,
  envelopes: readonly Envelope[],
  clock: Clock = systemClock,
): Promise<void> {
  const outbox = tx.collection<OutboxEntry>(OUTBOX_COLLECTION);
  const createdAt = clock.now();
  for (const envelope of envelopes) await outbox.insert({ _id: envelope.id, envelope, createdAt });
}

/**
 * "One call for a service": runs `fn` in a transaction and appends the events it returns to the
 * outbox in the same transaction; returns `fn`'s result. When `fn` throws, neither its writes nor
 * any event are stored.
 */
export function commitWithOutbox<R>(
  store: DocumentStore,
  fn: (tx: StoreTransaction) => Promise<{ result: R; events: readonly Envelope[] }>,
  clock: Clock = systemClock,
): Promise<R> {
  return store.transaction(async (tx) => {
    const { result, events } = await fn(tx);
    await appendToOutbox(tx, events, clock);
    return result;
  });
}

/**
 * Up to `limit` unpublished entries, oldest first (appended together: by envelope id, which is a
 * time-ordered ULID). For the relay.
 */
export async function pendingOutbox(store: DocumentStore, limit: number): Promise<OutboxEntry[]> {
  const page = await store
    .collection<OutboxEntry>(OUTBOX_COLLECTION)
    .find({ publishedAt: { $exists: false } }, { sort: { createdAt: 1 }, limit });
  return page.items;
}

/** Marks entries published (ids are envelope ids); unknown or already published ids are ignored. */
export function markPublished(
  store: DocumentStore,
  ids: readonly string[],
  clock: Clock = systemClock,
): Promise<void> {
  return store.transaction(async (tx) => {
    const outbox = tx.collection<OutboxEntry>(OUTBOX_COLLECTION);
    const publishedAt = clock.now();
    for (const id of ids) {
      const entry = await outbox.get(id);
      if (entry && entry.publishedAt === undefined) await outbox.upsert({ ...entry, publishedAt });
    }
  });
}

/** Deletes entries published before `publishedBefore` (ms since epoch); returns how many. */
export function prunePublishedOutbox(store: DocumentStore, publishedBefore: number): Promise<number> {
  return store.collection(OUTBOX_COLLECTION).deleteMany({ publishedAt: { $lt: publishedBefore } });
}
