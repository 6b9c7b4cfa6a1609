import { systemClock, type Clock } from '@autopilot/kernel';
import type { Envelope } from '@autopilot/contracts';
import type { Doc, DocumentStore, Page, StoreTransaction } from './document-store';
import { StoreDuplicateKeyError, StoreNotFoundError, StoreUsageError } from './errors';

/**
 * The transactional outbox (DESIGN.md section 4): a service writes its state and the events that
 * announce it in one store transaction; a relay later publishes pending entries (envelope id as
 * `Nats-Msg-Id`) and marks them published. A crash between commit and publish re-publishes, and
 * the bus drops the duplicate, so nothing is lost and nothing is delivered twice.
 *
 * An entry is in one of three states: pending (neither `publishedAt` nor `failedAt`), published
 * (deleted by `prunePublishedOutbox` once old enough), or failed (the bus refused it for good; kept
 * with the reason until someone acts on it, never retried by the relay).
 */

export const OUTBOX_COLLECTION = 'outbox';
/**
 * The envelopes of entries not yet published, by envelope id. Kept apart from the entry's state so
 * that marking an entry published rewrites a few hundred bytes, not the envelope: a blueprint's
 * `blueprint.ingested` is ~12 MB, and rewriting it (and re-reading it for the state index) cost
 * more than a second per event. A published entry's envelope is deleted at once: nobody sends it
 * again, and the entry itself (its id) stays until pruning to refuse a re-append.
 */
export const OUTBOX_ENVELOPES_COLLECTION = 'outbox_envelopes';
/** Holds the outbox's append counter (one document); declared by `declareOutbox`. */
export const OUTBOX_SEQUENCE_COLLECTION = 'outbox_sequence';
const SEQUENCE_ID = 'outbox';
const SEQUENCE_FIELD = 'last';

/** Why the relay gave up on an entry. */
export interface OutboxFailure {
  /** The error's code (`BUS_PUBLISH_FAILED`, `CONTRACT_VIOLATION`, ...). */
  code: string;
  reason: string;
}

/** One outbox entry as the outbox functions return it; `_id` is the envelope id. */
export interface OutboxEntry extends OutboxState {
  /** Present while the entry is pending or failed; a published entry's envelope is gone. */
  envelope: Envelope;
}

/** What the `outbox` collection stores of an entry: its state, without the envelope. */
export interface OutboxState extends Doc {
  /**
   * Append order, monotonic per store: taken from a counter incremented in the appending
   * transaction, so it orders entries whatever their envelope ids (callers may supply their own).
   * Absent on entries written before the counter existed; those sort first.
   */
  seq?: number;
  /** When it was appended, ms since epoch. */
  createdAt: number;
  /** When the relay published it; absent while pending. */
  publishedAt?: number;
  /** When the relay gave up on it; absent unless it failed for good. */
  failedAt?: number;
  failure?: OutboxFailure;
}

/** The filter of pending entries; the outbox's index serves it (no table scan). */
const PENDING = { publishedAt: { $exists: false }, failedAt: { $exists: false } };

/**
 * Declares the `outbox` collection and its append counter; call once at start, next to the
 * service's own collections, before anything appends.
 */
export async function declareOutbox(store: DocumentStore): Promise<void> {
  await store.ensureCollection({
    name: OUTBOX_COLLECTION,
    // Pending entries in append order are one index range: both state fields missing, then seq
    // (and _id, the store's tie-breaker), so the relay's query never scans or sorts the table.
    // Pruning ranges over publishedAt, the leading field.
    indexes: [{ fields: { publishedAt: 1, failedAt: 1, seq: 1, _id: 1 } }],
  });
  await store.ensureCollection({ name: OUTBOX_ENVELOPES_COLLECTION });
  await store.ensureCollection({ name: OUTBOX_SEQUENCE_COLLECTION });
  try {
    await store.collection(OUTBOX_SEQUENCE_COLLECTION).insert({ _id: SEQUENCE_ID, [SEQUENCE_FIELD]: 0 });
  } catch (err) {
    if (!(err instanceof StoreDuplicateKeyError)) throw err;
  }
}

/**
 * Appends envelopes inside a transaction, so they commit with the state change or not at all.
 * Throws StoreDuplicateKeyError when an envelope id is already in the outbox. On MongoDB the
 * counter makes concurrent appending transactions of one service conflict and retry, in effect
 * one at a time (the embedded store runs them one at a time anyway).
 */
export async function appendToOutbox(
  tx: StoreTransaction,
  envelopes: readonly Envelope[],
  clock: Clock = systemClock,
): Promise<void> {
  if (envelopes.length === 0) return;
  let last: number;
  try {
    last = await tx
      .collection(OUTBOX_SEQUENCE_COLLECTION)
      .increment(SEQUENCE_ID, SEQUENCE_FIELD, envelopes.length);
  } catch (err) {
    if (err instanceof StoreNotFoundError) {
      throw new StoreUsageError('the outbox counter is missing: call declareOutbox() at start', {
        cause: err,
      });
    }
    throw err;
  }
  const outbox = tx.collection<OutboxState>(OUTBOX_COLLECTION);
  const bodies = tx.collection<EnvelopeDoc>(OUTBOX_ENVELOPES_COLLECTION);
  const createdAt = clock.now();
  let seq = last - envelopes.length;
  for (const envelope of envelopes) {
    seq += 1;
    // The state first: its unique id is what refuses a re-append (StoreDuplicateKeyError).
    await outbox.insert({ _id: envelope.id, seq, createdAt });
    await bodies.insert({ _id: envelope.id, envelope });
  }
}

interface EnvelopeDoc extends Doc {
  envelope: Envelope;
}

/**
 * The entries with their envelopes, in the order given; an entry whose envelope is gone (published
 * meanwhile) is left out.
 */
export async function withEnvelopes(
  store: DocumentStore,
  states: readonly OutboxState[],
): Promise<OutboxEntry[]> {
  if (states.length === 0) return [];
  const found = await store
    .collection<EnvelopeDoc>(OUTBOX_ENVELOPES_COLLECTION)
    .find({ _id: { $in: states.map((s) => s._id) } }, { limit: states.length });
  const byId = new Map(found.items.map((d) => [d._id, d.envelope]));
  const entries: OutboxEntry[] = [];
  for (const state of states) {
    const envelope = byId.get(state._id);
    if (envelope) entries.push({ ...state, envelope });
  }
  return entries;
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

/** Up to `limit` pending entries in append order (`seq`). For the relay. */
export async function pendingOutbox(store: DocumentStore, limit: number): Promise<OutboxEntry[]> {
  return (await pendingOutboxPage(store, { limit })).items;
}

/**
 * One page of pending entries in append order; pass `next` as `after` for the following page.
 * `afterSeq` keeps only entries appended after the one with that `seq` (entries without a `seq`
 * are left out): a relay that sent everything up to it reads only what was appended since, as one
 * search of the outbox index.
 */
export async function pendingOutboxPage(
  store: DocumentStore,
  opts: PendingOutboxQuery,
): Promise<Page<OutboxEntry>> {
  const page = await pendingOutboxStates(store, opts);
  const items = await withEnvelopes(store, page.items);
  return page.next === undefined ? { items } : { items, next: page.next };
}

export interface PendingOutboxQuery {
  limit: number;
  /** The previous page's `next`. */
  after?: string;
  /** Only entries appended after the one with this `seq`. */
  afterSeq?: number;
}

/**
 * `pendingOutboxPage` without the envelopes: the entries' states only, which are small. A relay
 * that already sent some of them reads the envelopes of the others alone (`withEnvelopes`), since
 * an envelope can be megabytes (a whole plan) and stays pending until its consumers took it.
 */
export function pendingOutboxStates(
  store: DocumentStore,
  opts: PendingOutboxQuery,
): Promise<Page<OutboxState>> {
  const filter = opts.afterSeq === undefined ? PENDING : { ...PENDING, seq: { $gt: opts.afterSeq } };
  return store.collection<OutboxState>(OUTBOX_COLLECTION).find(filter, {
    sort: { seq: 1 },
    limit: opts.limit,
    ...(opts.after === undefined ? {} : { after: opts.after }),
  });
}

/** Marks entries published (ids are envelope ids); unknown or no longer pending ids are ignored. */
export function markPublished(
  store: DocumentStore,
  ids: readonly string[],
  clock: Clock = systemClock,
): Promise<void> {
  const publishedAt = clock.now();
  return updatePending(store, ids, (entry) => ({ ...entry, publishedAt }), { dropEnvelope: true });
}

/**
 * Marks entries failed for good with why (the bus refused them: too large, no stream for the
 * subject, an invalid envelope): kept and listed by `failedOutbox`, never retried by the relay.
 * Unknown or no longer pending ids are ignored.
 */
export function markFailed(
  store: DocumentStore,
  failures: readonly { id: string; failure: OutboxFailure }[],
  clock: Clock = systemClock,
): Promise<void> {
  const failedAt = clock.now();
  const byId = new Map(failures.map((f) => [f.id, f.failure]));
  return updatePending(
    store,
    [...byId.keys()],
    (entry) => ({ ...entry, failedAt, failure: byId.get(entry._id) as OutboxFailure }),
    // An operator reads a failed entry's envelope to decide what to do with it.
    { dropEnvelope: false },
  );
}

/** Entries the relay gave up on, in append order, for an operator to inspect. */
export async function failedOutbox(store: DocumentStore, limit: number): Promise<OutboxEntry[]> {
  const page = await store
    .collection<OutboxState>(OUTBOX_COLLECTION)
    .find({ failedAt: { $exists: true } }, { sort: { seq: 1 }, limit });
  return withEnvelopes(store, page.items);
}

/** Every entry's state (published ones too), by id: for tests and operators' tools. */
export async function outboxStates(store: DocumentStore, limit = 1000): Promise<OutboxState[]> {
  return (await store.collection<OutboxState>(OUTBOX_COLLECTION).find({}, { sort: { _id: 1 }, limit })).items;
}

/** Deletes entries published before `publishedBefore` (ms since epoch); returns how many. */
export function prunePublishedOutbox(store: DocumentStore, publishedBefore: number): Promise<number> {
  return store.collection(OUTBOX_COLLECTION).deleteMany({ publishedAt: { $lt: publishedBefore } });
}

function updatePending(
  store: DocumentStore,
  ids: readonly string[],
  update: (entry: OutboxState) => OutboxState,
  opts: { dropEnvelope: boolean },
): Promise<void> {
  if (ids.length === 0) return Promise.resolve();
  return store.transaction(async (tx) => {
    const outbox = tx.collection<OutboxState>(OUTBOX_COLLECTION);
    const bodies = tx.collection(OUTBOX_ENVELOPES_COLLECTION);
    for (const id of ids) {
      const entry = await outbox.get(id);
      if (!entry || entry.publishedAt !== undefined || entry.failedAt !== undefined) continue;
      await outbox.upsert(update(entry));
      if (opts.dropEnvelope) await bodies.delete(id);
    }
  });
}
