import {
  limitOutboxEnvelopes,
  onOutboxAppend,
  type AppendedEnvelope,
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
 * interval. The nudge hands over the envelopes the transaction appended with their JSON
 * (`onOutboxAppend`), so the relay sends them without reading back (and parsing) what was just
 * written, or serialising them again: a plan's events are tens of megabytes.
 * A service must not change an envelope's data after committing it (none does: they are built,
 * appended and dropped); the stored copy is what goes out after a restart.
 *
 * With `maxMessageBytes` (the service host passes AUTOPILOT_MAX_MESSAGE_BYTES, what every consumer
 * takes at most), an envelope whose JSON is larger is refused at the append and its commit fails
 * (OutboxEnvelopeTooLargeError), rather than being published for every consumer to dead-letter.
 */
export class RelayNudgingStore implements DocumentStore {
  constructor(
    private readonly inner: DocumentStore,
    private readonly relay: Pick<OutboxRelay, 'nudge'>,
    private readonly maxMessageBytes?: number,
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
    let committed: AppendedEnvelope[] = [];
    const result = await this.inner.transaction((tx) => {
      // A store may run `fn` again after a conflict: only the attempt that commits counts.
      committed = [];
      const scoped: StoreTransaction = {
        collection: <T extends Doc>(name: string) => tx.collection<T>(name),
      };
      onOutboxAppend(scoped, (appended) => committed.push(...appended));
      if (this.maxMessageBytes !== undefined) limitOutboxEnvelopes(scoped, this.maxMessageBytes);
      return fn(scoped);
    });
    if (committed.length > 0) this.relay.nudge(committed);
    return result;
  }

  /** The runtime owns the store's lifetime; a service closing it would break its neighbours' shutdown. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
