import { systemClock, type Clock } from '@autopilot/kernel';
import type { Doc, DocumentStore, StoreTransaction } from './document-store';

/**
 * The idempotent-consumer inbox (DESIGN.md section 4): a handler's writes and the record that the
 * message was handled commit together, so a redelivered message is recognised and skipped.
 */

export const INBOX_COLLECTION = 'inbox';

/** One handled message; `_id` is `consumer:messageId`. */
export interface InboxEntry extends Doc {
  consumer: string;
  messageId: string;
  /** When it was handled, ms since epoch. */
  handledAt: number;
}

/** Declares the `inbox` collection; call once at start. */
export function declareInbox(store: DocumentStore): Promise<void> {
  return store.ensureCollection({ name: INBOX_COLLECTION, indexes: [{ fields: { handledAt: 1 } }] });
}

/**
 * Runs `fn` once per (consumer, messageId): `fn`'s writes through `tx` and the inbox record commit in
 * one transaction. Returns true when `fn` ran, false when the message was already handled (a no-op).
 * When `fn` throws nothing is recorded and the error is rethrown, so a redelivery retries it.
 */
export function handleOnce(
  store: DocumentStore,
  consumer: string,
  messageId: string,
  fn: (tx: StoreTransaction) => Promise<void>,
  clock: Clock = systemClock,
): Promise<boolean> {
  const _id = `${consumer}:${messageId}`;
  return store.transaction(async (tx) => {
    const inbox = tx.collection<InboxEntry>(INBOX_COLLECTION);
    if ((await inbox.get(_id)) !== null) return false;
    // Recorded before fn runs: on MongoDB a concurrent duplicate then fails at once with a write
    // conflict (retried by the session and then seen as handled) instead of running fn twice.
    await inbox.insert({ _id, consumer, messageId, handledAt: clock.now() });
    await fn(tx);
    return true;
  });
}
