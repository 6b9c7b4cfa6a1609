import { AutopilotError, systemClock, type Clock } from '@autopilot/kernel';
import type { Doc, DocumentStore, StoreTransaction } from './document-store';
import { StoreDuplicateKeyError, StoreUsageError } from './errors';

/**
 * The idempotent-consumer inbox (DESIGN.md section 4): a handler's writes and the record that the
 * message was handled commit together, so a redelivered message is recognised and skipped.
 *
 * Two ways to use it: `handleOnce` wraps a handler whose effect is one transaction; a handler
 * whose effect is written by repositories calls `recordHandled` inside the transaction that commits
 * it, and its host skips a message `isHandled` already knows (the runtime's InboxGuard does both).
 *
 * Growth: one small row per handled message and consumer, kept until `pruneInbox` deletes it (the
 * runtime prunes rows older than its inbox retention, 30 days by default). A duplicate that arrives
 * after its row was pruned is handled again, so the retention must outlast every way a message can
 * come back: redelivery (minutes), and a producer re-publishing its outbox after downtime.
 */

export const INBOX_COLLECTION = 'inbox';

/** One handled message; `_id` is `consumer:messageId`. */
export interface InboxEntry extends Doc {
  consumer: string;
  messageId: string;
  /** When it was handled, ms since epoch. */
  handledAt: number;
  /**
   * Which handling recorded it (`HandledMessageRecord.handling`): lets a second recording by the
   * same handling be told apart from another delivery of the message. Absent from `handleOnce`.
   */
  handling?: string;
}

/** What `recordHandled` records: the message a consumer is handling. */
export interface HandledMessageRecord {
  readonly consumer: string;
  readonly messageId: string;
  /** An id of this one handling (one delivery being processed), unique per process run. */
  readonly handling?: string;
}

/**
 * Another delivery of the message was handled and recorded first (a duplicate handled at the same
 * time, or one the caller did not check for): the transaction recording it must not commit, and
 * the delivery is done. Not a failure; hosts ack the message.
 */
export class InboxAlreadyHandledError extends AutopilotError {
  readonly code = 'STORE_ALREADY_HANDLED';
  constructor(
    readonly consumer: string,
    readonly messageId: string,
    options?: ErrorOptions,
  ) {
    super(`${consumer} already handled message ${messageId}: this delivery is a duplicate`, options);
  }
}

/** Declares the `inbox` collection; call once at start. */
export function declareInbox(store: DocumentStore): Promise<void> {
  return store.ensureCollection({ name: INBOX_COLLECTION, indexes: [{ fields: { handledAt: 1 } }] });
}

function inboxId(consumer: string, messageId: string): string {
  return `${consumer}:${messageId}`;
}

/** True when `consumer` recorded `messageId` as handled (and the record is not pruned yet). */
export async function isHandled(store: DocumentStore, consumer: string, messageId: string): Promise<boolean> {
  return (await store.collection<InboxEntry>(INBOX_COLLECTION).get(inboxId(consumer, messageId))) !== null;
}

/**
 * Records, inside the caller's transaction, that `record.consumer` handled `record.messageId`: the
 * transaction that commits the handling's effect (its state and outbox entries), so both commit or
 * neither does. Throws InboxAlreadyHandledError when another handling recorded it first (the
 * caller's transaction must then fail, which it does by letting the error through), and
 * StoreUsageError when this same handling (`record.handling`) already committed a record: one
 * handling records in one commit, its last.
 */
export async function recordHandled(
  tx: StoreTransaction,
  record: HandledMessageRecord,
  clock: Clock = systemClock,
): Promise<void> {
  const { consumer, messageId, handling } = record;
  const _id = inboxId(consumer, messageId);
  const inbox = tx.collection<InboxEntry>(INBOX_COLLECTION);
  const existing = await inbox.get(_id);
  if (existing !== null) {
    if (handling !== undefined && existing.handling === handling) {
      throw new StoreUsageError(
        `${consumer} recorded message ${messageId} as handled in two commits of one handling: ` +
          'record it only in the commit that completes the handling',
      );
    }
    throw new InboxAlreadyHandledError(consumer, messageId);
  }
  try {
    await inbox.insert({
      _id,
      consumer,
      messageId,
      handledAt: clock.now(),
      ...(handling !== undefined ? { handling } : {}),
    });
  } catch (err) {
    // A concurrent transaction recorded it between our read and our insert.
    if (err instanceof StoreDuplicateKeyError)
      throw new InboxAlreadyHandledError(consumer, messageId, { cause: err });
    throw err;
  }
}

/** Deletes inbox records of messages handled before `handledBefore` (ms since epoch); returns how many. */
export function pruneInbox(store: DocumentStore, handledBefore: number): Promise<number> {
  return store.collection(INBOX_COLLECTION).deleteMany({ handledAt: { $lt: handledBefore } });
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
  const _id = inboxId(consumer, messageId);
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
