import {
  OUTBOX_COLLECTION,
  type Collection,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type StoreTransaction,
} from '@autopilot/store';
import type { OutboxRelay } from './outbox-relay';

/**
 * The store a service sees: the real one, except that a committed transaction that appended to the
 * outbox nudges the relay, so events written with the state go out at once instead of on the next
 * interval.
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
    const result = await this.inner.transaction((tx) =>
      fn({
        collection: <T extends Doc>(name: string) => {
          if (name === OUTBOX_COLLECTION) appended = true;
          return tx.collection<T>(name);
        },
      }),
    );
    if (appended) this.relay.nudge();
    return result;
  }

  /** The runtime owns the store's lifetime; a service closing it would break its neighbours' shutdown. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
