import {
  limitOutboxEnvelopes,
  type Collection,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type StoreTransaction,
} from '@autopilot/store';

/**
 * `store` with the limit the runtime gives a service's transactions (AUTOPILOT_MAX_MESSAGE_BYTES;
 * the service host's store does the same): small in tests, so a test needs no 64 MiB plan.
 */
export function limitedStore(store: DocumentStore, maxBytes: number): DocumentStore {
  return {
    ensureCollection: (spec: CollectionSpec) => store.ensureCollection(spec),
    collection: <T extends Doc>(name: string): Collection<T> => store.collection<T>(name),
    transaction: <R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R> =>
      store.transaction((tx) => {
        const scoped: StoreTransaction = {
          collection: <T extends Doc>(name: string) => tx.collection<T>(name),
        };
        limitOutboxEnvelopes(scoped, maxBytes);
        return fn(scoped);
      }),
    close: () => store.close(),
  };
}
