import type { Envelope } from '@autopilot/contracts';
import { systemClock, type Clock } from '@autopilot/kernel';
import { isHandled, recordHandled, type DocumentStore, type StoreTransaction } from '@autopilot/store';
import { currentHandledMessage } from './envelopes';
import type { Logger } from './logging';

/**
 * The runtime's half of the idempotent-consumer inbox (DESIGN.md section 4). Delivery is at least
 * once, and JetStream drops a re-published envelope id only within its duplicate window (2 minutes
 * by default): a producer restarted after a crash between publishing and recording it re-publishes
 * later than that, and the stream then holds the message twice. So every consumer de-duplicates by
 * envelope id itself:
 *
 * - before a handler runs, the guard looks the message up in the service's inbox (`<consumer>:<id>`)
 *   and, when found, acks it without running the handler;
 * - the repository commit that completes the handling (its state change and outbox entries) calls
 *   `recordHandledMessage(tx)`, so the record commits with the effect or not at all;
 * - two deliveries handled at once both pass the lookup, and the second to commit fails on the
 *   record (InboxAlreadyHandledError), taking its effect with it: the guard acks that one too.
 */
export class InboxGuard {
  constructor(
    private readonly store: DocumentStore,
    private readonly logger: Logger,
  ) {}

  /** Runs `handle` for `envelope` unless `consumer` already handled it; a duplicate resolves (acked). */
  async run(consumer: string, envelope: Envelope<unknown>, handle: () => Promise<void>): Promise<void> {
    if (await isHandled(this.store, consumer, envelope.id)) {
      this.duplicate(consumer, envelope, 'recorded');
      return;
    }
    try {
      await handle();
    } catch (err) {
      if (!alreadyHandled(err)) throw err;
      this.duplicate(consumer, envelope, 'concurrent');
    }
  }

  private duplicate(consumer: string, envelope: Envelope<unknown>, found: 'recorded' | 'concurrent'): void {
    this.logger.debug(
      { consumer, message_id: envelope.id, subject: envelope.subject, found },
      'duplicate delivery, already handled',
    );
  }
}

/** True when `err`, or an error in its cause chain, says another delivery recorded the message first. */
function alreadyHandled(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as Error & { code?: unknown }).code === 'STORE_ALREADY_HANDLED') return true;
  }
  return false;
}

/**
 * Records the message being handled in its consumer's inbox, inside `tx`: call it in the repository
 * transaction that completes the handling (the one committing its last state change and outbox
 * entries; a handling that commits in steps records in its final step only), before its other
 * writes. Outside a subscribed handler (a request, a test calling a use case directly) it does
 * nothing and returns false. Throws InboxAlreadyHandledError when another delivery recorded the
 * message first, and StoreUsageError when this handling already committed a record.
 */
export async function recordHandledMessage(
  tx: StoreTransaction,
  clock: Clock = systemClock,
): Promise<boolean> {
  const message = currentHandledMessage();
  if (message?.consumer === undefined) return false;
  await recordHandled(
    tx,
    { consumer: message.consumer, messageId: message.id, handling: message.handling },
    clock,
  );
  return true;
}
