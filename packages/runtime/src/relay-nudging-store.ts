import type { CollectionSpec, Collection, Doc, DocumentStore, StoreTransaction } from '@autopilot/store';
import type { OutboxRelay } from './outbox-relay';

/**
 * The store a service sees: the real one, except that a committed transaction nudges the outbox
 * relay, so events written with the state go out at once instead of on the next interval.
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
    const result = await this.inner.transaction(fn);
    this.relay.nudge();
    return result;
  }

  /** The runtime owns the store's lifetime; a service closing it would break its neighbours' shutdown. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
