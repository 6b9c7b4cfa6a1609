import type { Envelope } from '@autopilot/contracts';
import {
  OUTBOX_COLLECTION,
  OUTBOX_ENVELOPES_COLLECTION,
  type Collection,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type Filter,
  type FindOptions,
  type IncrementGuard,
  type Page,
  type StoreTransaction,
} from '@autopilot/store';
import type { OutboxRelay } from './outbox-relay';

/**
 * The store a service sees: the real one, except that a committed transaction that appended to the
 * outbox nudges the relay, so events written with the state go out at once instead of on the next
 * interval. The nudge hands over the envelopes the transaction appended, so the relay sends them
 * without reading back (and parsing) what was just written: a plan's events are tens of megabytes.
 * A service must not change an envelope's data after committing it (none does: they are built,
 * appended and dropped); the stored copy is what goes out after a restart.
 */
export class RelayNudgingStore implements DocumentStore {
  constructor(
    private readonly inner: DocumentStore,
    private readonly relay: Pick<OutboxRelay, 'nudge'>,
  ) {}

  ensureCollection(spec: CollectionSpec): Promise<void> {
    return this.inner.ensureCollection(spec);
  }

  collection<T extends Doc>(name: string): Collection<T> {
    return this.inner.collection<T>(name);
  }

  async transaction<R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R> {
    // Only a commit that appended to the outbox has anything for the relay: one that records a
    // handled message or a state change alone would cost it a round for nothing.
    let appended = false;
    let committed: Envelope[] = [];
    const result = await this.inner.transaction((tx) => {
      // A store may run `fn` again after a conflict: only the attempt that commits counts.
      appended = false;
      committed = [];
      return fn({
        collection: <T extends Doc>(name: string) => {
          if (name === OUTBOX_COLLECTION) appended = true;
          const collection = tx.collection<T>(name);
          return name === OUTBOX_ENVELOPES_COLLECTION
            ? new EnvelopeRecordingCollection(collection, committed)
            : collection;
        },
      });
    });
    if (appended) this.relay.nudge(committed);
    return result;
  }

  /** The runtime owns the store's lifetime; a service closing it would break its neighbours' shutdown. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The outbox's envelope collection, noting each envelope inserted (`appendToOutbox` inserts them). */
class EnvelopeRecordingCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly inner: Collection<T>,
    private readonly inserted: Envelope[],
  ) {}

  async insert(doc: T): Promise<void> {
    await this.inner.insert(doc);
    const envelope = (doc as { envelope?: Envelope }).envelope;
    if (envelope) this.inserted.push(envelope);
  }

  get(id: string): Promise<T | null> {
    return this.inner.get(id);
  }
  find(filter?: Filter, opts?: FindOptions): Promise<Page<T>> {
    return this.inner.find(filter, opts);
  }
  count(filter?: Filter): Promise<number> {
    return this.inner.count(filter);
  }
  upsert(doc: T): Promise<void> {
    return this.inner.upsert(doc);
  }
  replaceIfVersion(doc: T, expectedVersion: number): Promise<T> {
    return this.inner.replaceIfVersion(doc, expectedVersion);
  }
  increment(id: string, field: string, by: number, guard?: IncrementGuard): Promise<number> {
    return this.inner.increment(id, field, by, guard);
  }
  delete(id: string): Promise<boolean> {
    return this.inner.delete(id);
  }
  deleteMany(filter: Filter): Promise<number> {
    return this.inner.deleteMany(filter);
  }
}
