import type { MessageDef } from '@autopilot/contracts';
import { context } from '@opentelemetry/api';
import { AutopilotError, describeError, hasCode, type TimerHandle, type Timers } from '@autopilot/kernel';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  ReplayPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { decodeEnvelope } from '../decode-envelope';
import { letterMessage } from '../letter-message';
import { BusUnavailableError, ConsumerConflictError, PayloadTooLargeError } from '../errors';
import { logDeadLetter, type BusLog } from '../log';
import type { DeadLetter, Delivery, Handler, Subscription } from '../message-bus';
import { ACK, decideOutcome, type Outcome } from '../outcome';
import type { ResolvedSubscribeOptions } from '../subscribe-options';
import { endConsumerSpan, extractTraceContext, startConsumerSpan } from '@autopilot/telemetry';
import { headersToRecord, headerValue, textDecoder } from './codec';
import { deadLetterMsgId, encodeDeadLetter, publishDeadLetter } from './dead-letters';
import {
  claimCheckedMessage,
  readClaimCheck,
  readStubHead,
  type PayloadRef,
  type PayloadStore,
} from './payload-store';

export interface SubscriptionDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Claim-checked bodies are fetched from it; the body of a dead letter too large is stored in it. */
  readonly payloads: PayloadStore;
  /** The largest dead letter published whole, in bytes (the bus's inline limit). */
  readonly inlineLimit: () => number;
  /** The largest message body handed to a handler; larger ones are dead-lettered unread. */
  readonly maxMessageBytes: number;
  readonly log: BusLog;
  readonly now: () => string;
  /** Runs the heartbeats and the wait between re-subscribe attempts. */
  readonly timers: Timers;
}

const WORK_QUEUE_NOT_UNIQUE = 10100;
const CONSUMER_NOT_FOUND = 10014;

/**
 * The server's `max_deliver`: unlimited. The adapter counts deliveries itself (see
 * JetStreamSubscription), because a server-side limit ends a message silently on its last delivery
 * when that delivery cannot record its dead letter.
 */
const SERVER_MAX_DELIVER = -1;

/** Wait between attempts to bind a consumer again after `consume()` gave up. */
const RESUBSCRIBE_WAIT_MS = 1000;

/** Wait after a dead letter could not be recorded, before the message comes back to try again. */
const DEAD_LETTER_RETRY_MS = 1000;

/** A driver failure while binding a consumer, as the bus's own error. */
function bindFailed(stream: string, consumer: string, err: unknown): AutopilotError {
  if (err instanceof AutopilotError) return err;
  return new BusUnavailableError(
    `consumer ${consumer} on stream ${stream} could not be bound: ${describeError(err)}`,
    { cause: err },
  );
}

/**
 * Creates the durable pull consumer or checks the existing one. A consumer is bound to one subject:
 * 2.9 would silently re-point a durable at a new filter, so a mismatch is refused here instead.
 * Driver failures come out as BusUnavailableError (the cause attached).
 *
 * No consumer `backoff`: the server then replaces `ack_wait` with `backoff[0]`, which would cut a
 * handler's time to the first retry delay. The adapter passes each retry delay to `nak()` instead.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
  subject: string,
  opts: ResolvedSubscribeOptions,
): Promise<void> {
  const ackWait = nanos(opts.ackWaitMs);
  try {
    let existing;
    try {
      existing = await jsm.consumers.info(stream, consumer);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== CONSUMER_NOT_FOUND) throw err;
    }
    if (existing) {
      if (existing.config.filter_subject !== subject) {
        throw new ConsumerConflictError(
          consumer,
          subject,
          `it is bound to ${existing.config.filter_subject ?? 'all'}`,
        );
      }
      if (existing.config.ack_wait !== ackWait || existing.config.max_deliver !== SERVER_MAX_DELIVER) {
        await jsm.consumers.update(stream, consumer, { ack_wait: ackWait, max_deliver: SERVER_MAX_DELIVER });
      }
      return;
    }
    try {
      await jsm.consumers.add(stream, {
        durable_name: consumer,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        // A new consumer group sees the retained history, as the in-process bus does.
        deliver_policy: DeliverPolicy.All,
        replay_policy: ReplayPolicy.Instant,
        ack_wait: ackWait,
        max_deliver: SERVER_MAX_DELIVER,
      });
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === WORK_QUEUE_NOT_UNIQUE) {
        throw new ConsumerConflictError(consumer, subject, 'the work queue already has another consumer');
      }
      throw err;
    }
  } catch (err) {
    throw bindFailed(stream, consumer, err);
  }
}

/**
 * One `subscribe()`: a `consume()` loop over a durable pull consumer, `concurrency` handlers at a
 * time. Resolve → `ack()`; failure → `nak(delay)` or, when final, a dead letter then `term()`
 * (without a reason: 2.9.10 ignores `term(reason)` and redelivers).
 *
 * The delivery limit is the adapter's, not the server's (`max_deliver` is unlimited): a delivery
 * past `maxDeliveries` is dead-lettered on receipt without reaching the handler. That covers the
 * deliveries that never got a verdict (each ended on ack wait: the process handling it died or
 * hung) and the last delivery whose dead letter could not be written (it was nak'ed to try again):
 * the next live subscriber records it, so a message never ends without a dead letter.
 */
export class JetStreamSubscription implements Subscription {
  /** Deliveries whose handler is running: each gets `working()` on every heartbeat. */
  private readonly inFlight = new Set<JsMsg>();
  /** Handlers started and not yet settled (ack/nak/dead letter done). */
  private running = 0;
  private whenIdle: (() => void) | undefined;
  private messages: ConsumerMessages | undefined;
  private stopping = false;
  private draining: Promise<void> | undefined;
  private slotFreed: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeat: TimerHandle | undefined;
  /** Acks waiting for the end of this turn of the event loop; see `ack()`. */
  private acks: JsMsg[] = [];
  private readonly flushAcks = (): void => {
    const batch = this.acks;
    this.acks = [];
    for (const m of batch) m.ack();
  };

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly def: MessageDef,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly handler: Handler<unknown>,
    private readonly opts: ResolvedSubscribeOptions,
    private readonly onDrained: (s: JetStreamSubscription) => void,
  ) {}

  async start(): Promise<void> {
    await ensureConsumer(this.deps.jsm, this.stream, this.consumer, this.def.subject, this.opts);
    try {
      const c = await this.deps.js.consumers.get(this.stream, this.consumer);
      this.messages = await c.consume({ max_messages: this.opts.prefetch });
    } catch (err) {
      throw bindFailed(this.stream, this.consumer, err);
    }
    // One timer per subscription, not per message: every handler still running gets `working()` on
    // every beat, four per ack wait, so timer lag cannot stretch a gap to a whole ack wait. A
    // delivery is redelivered on ack wait only when this process is gone.
    const every = Math.max(25, Math.floor(this.opts.ackWaitMs / 4));
    this.heartbeat = this.deps.timers.every(every, () => this.beat(), { unref: true });
    this.loopDone = this.loop(this.messages);
  }

  private beat(): void {
    for (const m of this.inFlight) m.working();
  }

  private async loop(messages: ConsumerMessages): Promise<void> {
    const it = messages[Symbol.asyncIterator]();
    for (;;) {
      // Take the next message only when a handler slot is free, so nothing waits here on ack wait.
      while (!this.stopping && this.running >= this.opts.concurrency) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
      }
      let r: IteratorResult<JsMsg>;
      try {
        r = await it.next();
      } catch (err) {
        if (this.stopping) return;
        return this.resubscribe(err);
      }
      if (r.done) {
        if (this.stopping) return;
        return this.resubscribe(new Error('the consume iterator ended'));
      }
      if (this.stopping) {
        // Fetched but not started: hand it back now rather than after ack wait.
        r.value.nak();
        continue;
      }
      this.running++;
      void this.handle(r.value);
    }
  }

  /**
   * consume() recovers from reconnects by itself; this covers what it gives up on (the consumer
   * deleted under it, a stream recreated): retry every second until it works or we stop.
   */
  private async resubscribe(cause: unknown): Promise<void> {
    this.deps.log('error', 'consumer stopped, re-subscribing', {
      consumer: this.consumer,
      subject: this.def.subject,
      error: describeError(cause),
    });
    while (!this.stopping) {
      await this.deps.timers.sleep(RESUBSCRIBE_WAIT_MS);
      if (this.stopping) return;
      try {
        await ensureConsumer(this.deps.jsm, this.stream, this.consumer, this.def.subject, this.opts);
        const c = await this.deps.js.consumers.get(this.stream, this.consumer);
        this.messages = await c.consume({ max_messages: this.opts.prefetch });
        // drain() may have run meanwhile and closed the previous iterator, not this one.
        if (this.stopping) void this.messages.close();
        break;
      } catch (err) {
        this.deps.log('warn', 're-subscribe failed, retrying', {
          consumer: this.consumer,
          error: describeError(err),
        });
      }
    }
    if (!this.stopping && this.messages) return this.loop(this.messages);
  }

  /** Runs one delivery to its verdict. Never rejects; frees its slot when done. */
  private async handle(m: JsMsg): Promise<void> {
    try {
      await this.settle(m);
    } catch (err) {
      // Only a bug gets here (settle handles every handler outcome): keep the consumer alive and let
      // the message come back after ack wait.
      this.deps.log('error', 'delivery failed inside the bus', {
        consumer: this.consumer,
        error: describeError(err),
      });
    } finally {
      this.running--;
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
      if (this.running === 0) this.whenIdle?.();
    }
  }

  /**
   * Takes one delivery to its verdict. A claim-checked delivery is first given its body from the
   * payload store; from then on it goes exactly the way an inline one does (decoding, handler, span,
   * verdict), except that its dead letter points at the body instead of holding it.
   */
  private async settle(m: JsMsg): Promise<void> {
    const count = m.info.deliveryCount;
    const claimCheck = readClaimCheck(m.headers);
    if (claimCheck && !claimCheck.ok) {
      await this.deadLetter(m, 'BUS_MALFORMED_ENVELOPE', claimCheck.reason, m.string(), count);
      return;
    }
    const ref = claimCheck?.ref;
    const forLetter = (message: unknown): unknown => (ref ? claimCheckedMessage(message, ref) : message);
    const max = this.deps.maxMessageBytes;
    // Sizes first, before a byte of a body is fetched or parsed: the claim check's header for a
    // stub (the fetch checks again, since a header can lie), the body itself when inline.
    const tooLarge =
      ref !== undefined
        ? ref.bytes > max
          ? new PayloadTooLargeError(m.subject, ref.bytes, max, 'header')
          : undefined
        : m.data.length > max
          ? new PayloadTooLargeError(m.subject, m.data.length, max, 'body')
          : undefined;
    if (tooLarge) {
      const head = ref ? this.stubHead(m) : { id: headerValue(m.headers, 'Nats-Msg-Id') };
      await this.deadLetter(m, tooLarge.code, tooLarge.message, forLetter(head), count, ref);
      return;
    }
    let text: string;
    if (ref === undefined) {
      text = m.string();
    } else if (count > this.opts.maxDeliveries) {
      // Not fetched: the fetch may be what failed on every delivery so far.
      await this.deadLetterPastLimit(m, forLetter(this.stubHead(m)), ref);
      return;
    } else {
      const body = await this.fetchBody(m, ref, count);
      if (body === undefined) return;
      text = body;
    }
    const decoded = decodeEnvelope<unknown>(this.def, text);
    if (!decoded.ok) {
      await this.deadLetter(m, decoded.code, decoded.reason, forLetter(decoded.message), count, ref);
      return;
    }
    const { envelope } = decoded;
    if (count > this.opts.maxDeliveries) {
      await this.deadLetterPastLimit(m, forLetter(envelope), ref);
      return;
    }
    this.inFlight.add(m);
    let headers: Record<string, string> | undefined;
    const delivery: Delivery<unknown> = {
      id: envelope.id,
      payload: envelope.data,
      envelope,
      subject: m.subject,
      deliveryCount: count,
      // Built on first read: most handlers never look at headers.
      get headers() {
        return (headers ??= headersToRecord(m.headers));
      },
      working() {
        m.working();
      },
    };
    // The envelope's traceparent is the one the publisher wrote into the header too; reading it
    // from the parsed JSON spares decoding the headers of every message.
    const parent = extractTraceContext((k) =>
      k === 'traceparent' ? (envelope.traceparent ?? headerValue(m.headers, k)) : headerValue(m.headers, k),
    );
    const { span, context: spanContext } = startConsumerSpan(parent, {
      subject: this.def.subject,
      messageId: envelope.id,
      consumer: this.consumer,
    });
    let outcome: Outcome;
    try {
      await context.with(spanContext, this.handler, undefined, delivery);
      endConsumerSpan(span);
      outcome = ACK;
    } catch (err) {
      endConsumerSpan(span, err ?? new Error('handler rejected without a reason'));
      outcome = decideOutcome(err, count, this.opts);
    } finally {
      this.inFlight.delete(m);
    }
    await this.conclude(m, outcome, forLetter(envelope), count, ref);
  }

  /** Carries out a verdict: ack, nak with its delay, or dead letter holding `message`. */
  private async conclude(
    m: JsMsg,
    outcome: Outcome,
    message: unknown,
    count: number,
    ref: PayloadRef | undefined,
  ): Promise<void> {
    switch (outcome.kind) {
      case 'ack':
        this.ack(m);
        return;
      case 'retry':
        m.nak(outcome.delayMs);
        return;
      case 'dead':
        await this.deadLetter(m, outcome.code, outcome.reason, message, count, ref);
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unhandled outcome ${String(never)}`);
      }
    }
  }

  /**
   * The body of a claim-checked delivery, or undefined once the delivery is settled without one: a
   * missing object is dead-lettered (BUS_PAYLOAD_MISSING, no retry brings it back); a store that
   * could not be read is retried as a failed handler is (backoff, then BUS_MAX_DELIVERIES).
   */
  private async fetchBody(m: JsMsg, ref: PayloadRef, count: number): Promise<string | undefined> {
    let failure: unknown;
    // Heartbeats cover the fetch as they cover a handler: a large body takes a while.
    this.inFlight.add(m);
    try {
      return textDecoder.decode(await this.deps.payloads.fetch(ref, this.deps.maxMessageBytes, m.subject));
    } catch (err) {
      failure = err;
    } finally {
      this.inFlight.delete(m);
    }
    const message = claimCheckedMessage(this.stubHead(m), ref);
    const outcome: Outcome = hasCode(failure, 'BUS_PAYLOAD_MISSING')
      ? { kind: 'dead', code: 'BUS_PAYLOAD_MISSING', reason: describeError(failure) }
      : decideOutcome(failure, count, this.opts);
    await this.conclude(m, outcome, message, count, ref);
    return undefined;
  }

  /** What a stub says of its envelope (payload-store.ts `stubBody`), its message id at least. */
  private stubHead(m: JsMsg): Record<string, string> {
    const head = readStubHead(m.data);
    const msgId = headerValue(m.headers, 'Nats-Msg-Id');
    return head.id === undefined && msgId !== undefined ? { id: msgId, ...head } : head;
  }

  /**
   * Dead-letters a delivery past `maxDeliveries` on receipt, without calling the handler: the
   * deliveries before it ended without a recorded verdict.
   */
  private async deadLetterPastLimit(m: JsMsg, message: unknown, ref: PayloadRef | undefined): Promise<void> {
    const handled = Math.min(m.info.deliveryCount - 1, this.opts.maxDeliveries);
    await this.deadLetter(
      m,
      'BUS_MAX_DELIVERIES',
      `gave up after ${handled} deliveries without a recorded verdict: the ack wait ` +
        `(${this.opts.ackWaitMs} ms) expired (the handling process died or hung), or the dead ` +
        `letter of the last delivery could not be written then`,
      message,
      handled,
      ref,
    );
  }

  /**
   * Acks at the end of the current event-loop turn, all together. nats.js writes to the socket once
   * per microtask turn that sent something; acking inline costs one socket write per message,
   * batching costs one per turn. The ack leaves at most one turn later.
   */
  private ack(m: JsMsg): void {
    if (this.acks.push(m) === 1) setImmediate(this.flushAcks);
  }

  /**
   * Records the dead letter, then terminates the message (on AP_WORK that removes it from the work
   * queue). When the dead letter cannot be recorded the message is nak'ed and comes back: past
   * `maxDeliveries` it is dead-lettered on receipt, so it is retried until AP_DLQ takes it. A letter
   * too large for one message points at the body in AP_PAYLOADS (`ref` when the message was
   * claim-checked, else the body is stored there now) instead of holding it.
   */
  private async deadLetter(
    m: JsMsg,
    code: string,
    reason: string,
    message: unknown,
    deliveryCount: number,
    ref?: PayloadRef,
  ): Promise<void> {
    const letter: DeadLetter = {
      subject: m.subject,
      consumer: this.consumer,
      message: letterMessage(message, () => m.string()),
      reason,
      code,
      deliveryCount,
      at: this.deps.now(),
    };
    const msgId = headerValue(m.headers, 'Nats-Msg-Id');
    try {
      const encoded = await encodeDeadLetter(
        letter,
        this.deps.inlineLimit(),
        async () => ref ?? this.deps.payloads.put(msgId, m.data),
      );
      await publishDeadLetter(
        this.deps.js,
        this.consumer,
        encoded,
        deadLetterMsgId(this.consumer, m.info.stream, m.info.streamSequence),
      );
    } catch (err) {
      if (err instanceof RangeError) {
        // A letter that cannot be built now never can (letterMessage bounds the body, so this is a
        // last resort): retrying would loop forever. Terminated, with what an operator needs to
        // find the message in its stream.
        this.deps.log('error', 'dead letter cannot be built; message terminated', {
          consumer: this.consumer,
          subject: m.subject,
          code,
          stream: m.info.stream,
          streamSequence: m.info.streamSequence,
          error: describeError(err),
        });
        m.term();
        return;
      }
      // Without its dead letter the message must not vanish: let it come back and try again.
      this.deps.log('error', 'dead letter not recorded; message will be redelivered', {
        consumer: this.consumer,
        subject: m.subject,
        code,
        error: describeError(err),
      });
      m.nak(DEAD_LETTER_RETRY_MS);
      return;
    }
    m.term();
    logDeadLetter(this.deps.log, letter, msgId, {
      stream: m.info.stream,
      streamSequence: m.info.streamSequence,
    });
    await this.tell(letter);
  }

  /** Hands a recorded dead letter to the subscriber's `onDeadLetter`; its failure is only logged. */
  private async tell(letter: DeadLetter): Promise<void> {
    const onDeadLetter = this.opts.onDeadLetter;
    if (!onDeadLetter) return;
    try {
      await onDeadLetter(letter);
    } catch (err) {
      this.deps.log('error', 'onDeadLetter failed', {
        consumer: this.consumer,
        subject: letter.subject,
        code: letter.code,
        error: describeError(err),
      });
    }
  }

  /**
   * Memoised: `drain()` from a transport and `close()` from the bus may overlap.
   *
   * The consumer's pull request outlives the drain on the server (until it expires), with nobody
   * listening. nats-server 2.9.10 mishandles a redelivery (a nak delay or ack wait ending) that
   * falls due while every pull waiting on the consumer is such a leftover: it steps the consumer's
   * stream cursor back instead of queueing the redelivery, so the next subscriber gets the message
   * before the cursor again as a first delivery (deliveryCount 1), and the redelivery that was due
   * comes later. Nothing is lost, but a restart at that moment can repeat a message and count one
   * delivery low (reproduced by draining a consumer with a 20 ms nak pending and subscribing again
   * 100 ms later); a consumer with another live subscriber is not affected.
   */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce();
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    this.stopping = true;
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
    try {
      await this.messages?.close();
      await this.loopDone;
      if (this.running > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
      this.flushAcks();
    } finally {
      this.heartbeat?.cancel();
      this.onDrained(this);
    }
  }
}
