import { AutopilotError, systemClock, type Clock } from '@autopilot/kernel';
import type { Envelope } from '@autopilot/contracts';
import {
  MAX_DOCUMENT_BYTES,
  type Doc,
  type DocumentStore,
  type Page,
  type StoreTransaction,
} from './document-store';
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
/**
 * The rest of an envelope whose JSON is longer than OUTBOX_PART_CHARS, in parts of that length, by
 * `<envelope id>/<part>` (2, 3, ...): a 500k-word blueprint's task graph is ~18 MB of JSON, past
 * what one MongoDB document holds (MAX_DOCUMENT_BYTES).
 */
export const OUTBOX_ENVELOPE_PARTS_COLLECTION = 'outbox_envelope_parts';
/**
 * The most UTF-16 units of envelope JSON one document holds: at most 3 bytes each in UTF-8, and
 * its escaping inside the stored document's own JSON adds at most as much again for the quotes and
 * backslashes of JSON text, which are ASCII: well under MAX_DOCUMENT_BYTES either way.
 */
export const OUTBOX_PART_CHARS = Math.floor(MAX_DOCUMENT_BYTES / 4);
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
  /**
   * The envelope's JSON as appended: what a relay sends, without serialising the envelope again.
   * Absent for an entry appended before envelopes were stored as JSON.
   */
  json?: string;
}

/** An envelope as `appendToOutbox` appended it: the envelope and its JSON, as stored. */
export interface AppendedEnvelope {
  readonly envelope: Envelope;
  readonly json: string;
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
  /** How many documents its envelope's JSON takes, when more than one (OUTBOX_ENVELOPE_PARTS_COLLECTION). */
  parts?: number;
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
  await store.ensureCollection({ name: OUTBOX_ENVELOPE_PARTS_COLLECTION });
  await store.ensureCollection({ name: OUTBOX_SEQUENCE_COLLECTION });
  try {
    await store.collection(OUTBOX_SEQUENCE_COLLECTION).insert({ _id: SEQUENCE_ID, [SEQUENCE_FIELD]: 0 });
  } catch (err) {
    if (!(err instanceof StoreDuplicateKeyError)) throw err;
  }
}

/** Who hears of the envelopes appended through a transaction (`onOutboxAppend`). */
const appendListeners = new WeakMap<StoreTransaction, (appended: readonly AppendedEnvelope[]) => void>();

/**
 * Calls `listener` with what each `appendToOutbox` through `tx` appends: the service's store tells
 * its relay, so the relay sends what a commit appended without reading it back. `tx` is the
 * transaction object the caller hands to the code that appends (a wrapper of its own, so that the
 * listener is dropped with it). What a transaction that did not commit appended was never stored:
 * the caller counts only the attempt that committed.
 */
export function onOutboxAppend(
  tx: StoreTransaction,
  listener: (appended: readonly AppendedEnvelope[]) => void,
): void {
  appendListeners.set(tx, listener);
}

/** The largest envelope JSON, in UTF-8 bytes, appended through a transaction (`limitOutboxEnvelopes`). */
const envelopeLimits = new WeakMap<StoreTransaction, number>();

/**
 * Makes `appendToOutbox` through `tx` refuse an envelope whose JSON is more than `maxBytes` UTF-8
 * bytes (OutboxEnvelopeTooLargeError), before it writes anything. The runtime gives every service's
 * transactions the largest message a consumer takes (AUTOPILOT_MAX_MESSAGE_BYTES): an envelope past
 * it would be committed, published, and dead-lettered unread by every consumer, so whoever waits
 * for it would wait in silence. Refused at the append, the commit fails with the reason instead.
 * Without a limit, any size is appended.
 */
export function limitOutboxEnvelopes(tx: StoreTransaction, maxBytes: number): void {
  envelopeLimits.set(tx, maxBytes);
}

/**
 * An envelope whose JSON is larger than the outbox takes through this transaction
 * (`limitOutboxEnvelopes`, AUTOPILOT_MAX_MESSAGE_BYTES): no consumer would take it. Thrown by
 * `appendToOutbox` before it writes anything, so the transaction, and the state change it was to
 * announce, is not stored. No retry makes it smaller: the caller turns it into an outcome (the
 * planner's `plan.rejected`); let through, the message that caused it is redelivered until the bus
 * gives up (BUS_MAX_DELIVERIES).
 */
export class OutboxEnvelopeTooLargeError extends AutopilotError {
  readonly code = 'STORE_ENVELOPE_TOO_LARGE';
  constructor(
    readonly envelopeId: string,
    /** The envelope's message type (`tasks.generated.v1`). */
    readonly type: string,
    readonly subject: string,
    /** The envelope's JSON, in UTF-8 bytes. */
    readonly bytes: number,
    /** The most bytes an envelope's JSON may be. */
    readonly limit: number,
  ) {
    super(
      `outbox: the ${type} envelope ${envelopeId} on ${subject} is ${bytes} bytes of JSON, more than the ` +
        `${limit} a message may be (AUTOPILOT_MAX_MESSAGE_BYTES): no consumer would take it, so it was not appended`,
    );
  }
}

/**
 * Appends envelopes inside a transaction, so they commit with the state change or not at all.
 * Each envelope is stored as its JSON (in parts past OUTBOX_PART_CHARS), serialised once here for
 * the store and the wire. Throws StoreDuplicateKeyError when an envelope id is already in the
 * outbox, and OutboxEnvelopeTooLargeError, having written nothing, when an envelope's JSON is past
 * the transaction's limit (`limitOutboxEnvelopes`). On MongoDB the counter makes concurrent
 * appending transactions of one service conflict and retry, in effect one at a time (the embedded
 * store runs them one at a time anyway).
 */
export async function appendToOutbox(
  tx: StoreTransaction,
  envelopes: readonly Envelope[],
  clock: Clock = systemClock,
): Promise<void> {
  if (envelopes.length === 0) return;
  // Every envelope is serialised and measured before anything is written: a refusal leaves the
  // counter and the outbox as they were, whatever the caller does with the transaction.
  const jsons = envelopes.map((envelope) => JSON.stringify(envelope));
  const limit = envelopeLimits.get(tx);
  if (limit !== undefined) {
    for (const [i, envelope] of envelopes.entries()) {
      const bytes = oversize(jsons[i]!, limit);
      if (bytes !== undefined) {
        throw new OutboxEnvelopeTooLargeError(envelope.id, envelope.type, envelope.subject, bytes, limit);
      }
    }
  }
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
  const appended: AppendedEnvelope[] = [];
  let seq = last - envelopes.length;
  for (const [i, envelope] of envelopes.entries()) {
    seq += 1;
    const json = jsons[i]!;
    const parts = partsOf(json);
    // The state first: its unique id is what refuses a re-append (StoreDuplicateKeyError).
    await outbox.insert(
      parts.length > 1
        ? { _id: envelope.id, seq, createdAt, parts: parts.length }
        : { _id: envelope.id, seq, createdAt },
    );
    await bodies.insert({ _id: envelope.id, json: parts[0]! });
    if (parts.length > 1) {
      const rest = tx.collection<EnvelopePartDoc>(OUTBOX_ENVELOPE_PARTS_COLLECTION);
      for (let i = 1; i < parts.length; i++)
        await rest.insert({ _id: partId(envelope.id, i + 1), json: parts[i]! });
    }
    appended.push({ envelope, json });
  }
  appendListeners.get(tx)?.(appended);
}

/** `json`'s size in UTF-8 bytes when it is past `limit`, else undefined (most are never counted). */
function oversize(json: string, limit: number): number | undefined {
  // A UTF-16 unit is at most 3 UTF-8 bytes: the bus's own measure, from the same JSON it is sent as.
  if (json.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(json);
  return bytes > limit ? bytes : undefined;
}

/**
 * An envelope's stored body: its JSON, or its first part (the rest are in
 * OUTBOX_ENVELOPE_PARTS_COLLECTION). `envelope`: as stored before bodies were JSON.
 */
interface EnvelopeDoc extends Doc {
  json?: string;
  envelope?: Envelope;
}

interface EnvelopePartDoc extends Doc {
  json: string;
}

/** `<envelope id>/<n>`: the id of part n (from 2) of an envelope's JSON. */
function partId(envelopeId: string, part: number): string {
  return `${envelopeId}/${part}`;
}

/** `json` cut into parts of at most OUTBOX_PART_CHARS, never between the two halves of a surrogate pair. */
function partsOf(json: string): string[] {
  if (json.length <= OUTBOX_PART_CHARS) return [json];
  const parts: string[] = [];
  for (let start = 0; start < json.length;) {
    let end = Math.min(start + OUTBOX_PART_CHARS, json.length);
    const before = json.charCodeAt(end - 1);
    if (end < json.length && before >= 0xd800 && before <= 0xdbff) end -= 1;
    parts.push(json.slice(start, end));
    start = end;
  }
  return parts;
}

/** The ids of every document of an entry's envelope beyond the first. */
function partIdsOf(state: OutboxState): string[] {
  const ids: string[] = [];
  for (let part = 2; part <= (state.parts ?? 1); part++) ids.push(partId(state._id, part));
  return ids;
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
  const byId = new Map(found.items.map((d) => [d._id, d]));
  const entries: OutboxEntry[] = [];
  for (const state of states) {
    const body = byId.get(state._id);
    if (body?.envelope) entries.push({ ...state, envelope: body.envelope });
    else if (body?.json !== undefined) {
      const json = await wholeJson(store, state, body.json);
      if (json !== undefined) entries.push({ ...state, envelope: JSON.parse(json) as Envelope, json });
    }
  }
  return entries;
}

/** An entry's envelope JSON from its first part and the rest; undefined when a part is gone (published). */
async function wholeJson(
  store: DocumentStore,
  state: OutboxState,
  first: string,
): Promise<string | undefined> {
  const ids = partIdsOf(state);
  if (ids.length === 0) return first;
  const found = await store
    .collection<EnvelopePartDoc>(OUTBOX_ENVELOPE_PARTS_COLLECTION)
    .find({ _id: { $in: ids } }, { limit: ids.length });
  const byId = new Map(found.items.map((d) => [d._id, d.json]));
  const parts = [first];
  for (const id of ids) {
    const part = byId.get(id);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return parts.join('');
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
    const rest = tx.collection(OUTBOX_ENVELOPE_PARTS_COLLECTION);
    for (const id of ids) {
      const entry = await outbox.get(id);
      if (!entry || entry.publishedAt !== undefined || entry.failedAt !== undefined) continue;
      await outbox.upsert(update(entry));
      if (!opts.dropEnvelope) continue;
      await bodies.delete(id);
      const parts = partIdsOf(entry);
      if (parts.length > 0) await rest.deleteMany({ _id: { $in: parts } });
    }
  });
}
