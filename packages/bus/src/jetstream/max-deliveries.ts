import type { MessageDef } from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEnvelope } from '../decode-envelope';
import { logDeadLetter, type BusLog } from '../log';
import type { DeadLetter } from '../message-bus';
import { headerValue } from './codec';
import { deadLetterMsgId, publishDeadLetter } from './dead-letters';
import { STREAMS } from './provisioning';

/** The fields of `io.nats.jetstream.advisory.v1.max_deliver` the bus reads (2.9.10 sends them all). */
interface MaxDeliveriesAdvisory {
  readonly stream: string;
  readonly consumer: string;
  readonly stream_seq: number;
  readonly deliveries: number;
}

/** Every subscriber of a consumer joins this queue group: one of them writes the dead letter. */
const DEAD_LETTERERS = 'ap-dead-letterers';

export const maxDeliveriesSubject = (stream: string, consumer: string): string =>
  `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;

export interface MaxDeliveriesDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly log: BusLog;
  readonly now: () => string;
}

export interface MaxDeliveriesWatch {
  /** Stops listening and waits for a dead letter being written. */
  stop(): Promise<void>;
}

/**
 * Dead-letters what runs out of deliveries with no handler verdict: every delivery ended on ack
 * wait, because the process handling it died (or hung without `working()`) each time. JetStream then
 * stops at `max_deliver` silently but for an advisory, which it sends when the next pull reaches
 * the message. This listens to that advisory for one consumer, reads the message by its stream
 * sequence, and records a `BUS_MAX_DELIVERIES` dead letter under the same `msgID` as the handler
 * path, so the two can never record one message twice. A command is then deleted from the work
 * queue, which would otherwise keep it for good; an event stays for the other consumers.
 *
 * The advisory is sent once, to whoever listens then: a subscriber killed while it writes the dead
 * letter loses it (the command stays in AP_WORK, and the error is logged when it is not killed).
 */
export async function watchMaxDeliveries(
  deps: MaxDeliveriesDeps,
  def: MessageDef,
  stream: string,
  consumer: string,
  ackWaitMs: number,
): Promise<MaxDeliveriesWatch> {
  const settling = new Set<Promise<void>>();
  const sub = deps.nc.subscribe(maxDeliveriesSubject(stream, consumer), {
    queue: DEAD_LETTERERS,
    callback: (err, msg) => {
      if (err) {
        deps.log('error', 'max-deliveries advisory subscription failed', {
          consumer,
          error: describeError(err),
        });
        return;
      }
      let advisory: MaxDeliveriesAdvisory;
      try {
        advisory = msg.json<MaxDeliveriesAdvisory>();
      } catch (e) {
        deps.log('error', 'unreadable max-deliveries advisory', { consumer, error: describeError(e) });
        return;
      }
      const p = deadLetterExpired(deps, def, consumer, ackWaitMs, advisory).finally(() => settling.delete(p));
      settling.add(p);
    },
  });
  // The server must know the listener before the first pull can reach an exhausted message.
  await deps.nc.flush();
  return {
    stop: async () => {
      if (!sub.isClosed()) sub.unsubscribe();
      while (settling.size > 0) await Promise.allSettled([...settling]);
    },
  };
}

/** Never rejects: what fails is logged, and a command that was not dead-lettered stays queued. */
async function deadLetterExpired(
  deps: MaxDeliveriesDeps,
  def: MessageDef,
  consumer: string,
  ackWaitMs: number,
  advisory: MaxDeliveriesAdvisory,
): Promise<void> {
  const { stream, stream_seq: seq, deliveries } = advisory;
  const where = { consumer, stream, streamSequence: seq };
  try {
    const stored = await deps.jsm.streams.getMessage(stream, { seq });
    if (stored === null) {
      // Settled meanwhile (a late ack or a dead letter from the handler path) or aged out.
      deps.log('info', 'max deliveries reached by a message no longer in the stream', where);
      return;
    }
    const decoded = decodeEnvelope<unknown>(def, stored.string());
    const letter: DeadLetter = {
      subject: stored.subject,
      consumer,
      message: decoded.ok ? decoded.envelope : decoded.message,
      reason:
        `gave up after ${deliveries} deliveries without an ack: the ack wait (${ackWaitMs} ms) ` +
        `expired every time (the handling process died or hung)`,
      code: 'BUS_MAX_DELIVERIES',
      deliveryCount: deliveries,
      at: deps.now(),
    };
    await publishDeadLetter(deps.js, letter, deadLetterMsgId(consumer, stream, seq));
    logDeadLetter(deps.log, letter, headerValue(stored.header, 'Nats-Msg-Id'), {
      stream,
      streamSequence: seq,
    });
  } catch (err) {
    deps.log('error', 'message out of deliveries not dead-lettered; it stays in its stream', {
      ...where,
      deliveries,
      error: describeError(err),
    });
    return;
  }
  if (stream !== STREAMS.work) return;
  try {
    await deps.jsm.streams.deleteMessage(stream, seq, false);
  } catch (err) {
    // Harmless but for the space: past max_deliver the consumer never hands it out again.
    deps.log('warn', 'dead-lettered command not deleted from the work queue', {
      ...where,
      error: describeError(err),
    });
  }
}
