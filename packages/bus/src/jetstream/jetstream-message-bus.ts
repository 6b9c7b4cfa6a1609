import type { Envelope, MessageDef, PayloadOf, ReplyOf } from '@autopilot/contracts';
import { describeError, systemClock, ulidSource, type Clock, type IdSource } from '@autopilot/kernel';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  errors as natsErrors,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from '@nats-io/transport-node';
import { envelopeFor, relayHeaders, type EnvelopeStamp } from '../envelope-for';
import { BusUnavailableError, NoRespondersError, PublishFailedError, RequestTimeoutError } from '../errors';
import { consoleBusLog, type BusLog } from '../log';
import type {
  DeadLetter,
  Handler,
  MessageBus,
  PublishOptions,
  RequestOptions,
  Responder,
  SubscribeOptions,
  Subscription,
} from '../message-bus';
import { answerRequest, readReply } from '../reply-wire';
import { subjectFamily } from '../subject-family';
import {
  assertConsumerName,
  assertServable,
  assertSubscribable,
  resolveSubscribeOptions,
} from '../subscribe-options';
import { headerValue, textEncoder, toNatsHeaders } from './codec';
import { connectWithRetry, unlessAborted } from './connect';
import { readDeadLetters } from './dead-letters';
import { JetStreamSubscription } from './jetstream-subscription';
import { provisionStreams, STREAMS, type ProvisionOptions } from './provisioning';

export interface JetStreamBusOptions extends ProvisionOptions {
  /** One URL or several (a cluster): `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** The envelope `source` of what this bus publishes: the service name. */
  source: string;
  /** The connection name NATS monitoring shows. Default `source`. */
  name?: string;
  /** Give up connecting after this long with BusUnavailableError. Default: keep trying. */
  connectTimeoutMs?: number;
  /**
   * Aborting stops connecting at once: the retry wait is cleared, nothing more is logged, a
   * connection made meanwhile is closed, and `connectJetStreamBus` rejects with BusUnavailableError.
   * No effect once the bus is returned (`close()` it).
   */
  signal?: AbortSignal;
  /** Default 5000: `request()` without `timeoutMs`. */
  requestTimeoutMs?: number;
  log?: BusLog;
  clock?: Clock;
  ids?: IdSource;
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _key in record) return true;
  return false;
}

/** Every responder of a definition joins this queue group, so they share the requests. */
const RESPONDERS = 'ap-responders';

/**
 * Connects to NATS (retrying while it is unreachable), provisions AP_EVENTS, AP_WORK and AP_DLQ,
 * and returns the bus. Rejects with BusUnavailableError past `connectTimeoutMs`, when `signal`
 * aborts, or when a stream cannot be provisioned.
 */
export async function connectJetStreamBus(options: JetStreamBusOptions): Promise<JetStreamMessageBus> {
  const log = options.log ?? consoleBusLog;
  const nc = await connectWithRetry({
    servers: options.servers,
    name: options.name ?? options.source,
    connectTimeoutMs: options.connectTimeoutMs,
    signal: options.signal,
    log,
  });
  try {
    const bus = await unlessAborted(
      (async () => {
        const jsm = await jetstreamManager(nc);
        await provisionStreams(jsm, options, log);
        return new JetStreamMessageBus(nc, jetstream(nc), jsm, options, log);
      })(),
      options.signal,
      options.servers,
      async () => undefined,
    );
    return bus;
  } catch (err) {
    await nc.close().catch(() => undefined);
    if (err instanceof BusUnavailableError) throw err;
    throw new BusUnavailableError(`JetStream streams could not be provisioned: ${describeError(err)}`, {
      cause: err,
    });
  }
}

/**
 * The MessageBus on NATS JetStream: events on AP_EVENTS (limits), commands on AP_WORK (work
 * queue), dead letters on AP_DLQ, request/reply on core NATS. Build it with `connectJetStreamBus`.
 */
export class JetStreamMessageBus implements MessageBus {
  private readonly stamp: EnvelopeStamp;
  private readonly subscriptions = new Set<Subscription>();
  private closing: Promise<void> | undefined;
  /** Set once subscriptions are drained: in-flight handlers may still publish while they finish. */
  private closed = false;

  constructor(
    /** The underlying connection, for health checks and benchmarks; not for publishing around the bus. */
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: JetStreamBusOptions,
    private readonly log: BusLog,
  ) {
    this.stamp = {
      source: options.source,
      clock: options.clock ?? systemClock,
      ids: options.ids ?? ulidSource(),
    };
  }

  async publish<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts: PublishOptions = {},
  ): Promise<Envelope<PayloadOf<D>>> {
    const { envelope, headers } = envelopeFor(def, payload, opts, this.stamp);
    await this.send(envelope.subject, JSON.stringify(envelope), headers, envelope.id);
    return envelope;
  }

  async publishEnvelope(envelope: Envelope): Promise<void> {
    await this.send(envelope.subject, JSON.stringify(envelope), relayHeaders(envelope), envelope.id);
  }

  async publishRaw(subject: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    const { 'Nats-Msg-Id': msgId, ...rest } = headers;
    await this.send(subject, body, rest, msgId);
  }

  /** Publishes and waits for the PubAck: once this resolves, the message survives a server crash. */
  private async send(
    subject: string,
    body: string,
    headers: Record<string, string>,
    msgId?: string,
  ): Promise<void> {
    if (this.closed) throw new PublishFailedError(subject, 'the bus is closed');
    const family = subjectFamily(subject);
    if (family !== 'events' && family !== 'work')
      throw new PublishFailedError(subject, 'no stream binds this subject');
    try {
      await this.js.publish(subject, textEncoder.encode(body), {
        msgID: msgId,
        headers: hasKeys(headers) ? toNatsHeaders(headers) : undefined,
      });
    } catch (err) {
      throw new PublishFailedError(subject, describeError(err), { cause: err });
    }
  }

  async subscribe<D extends MessageDef>(
    def: D,
    consumer: string,
    handler: Handler<PayloadOf<D>>,
    opts?: SubscribeOptions,
  ): Promise<Subscription> {
    assertSubscribable(def);
    assertConsumerName(consumer);
    if (this.closing) throw new BusUnavailableError('the bus is closed');
    const sub = new JetStreamSubscription(
      {
        nc: this.connection,
        js: this.js,
        jsm: this.jsm,
        log: this.log,
        now: () => this.stamp.clock.isoNow(),
      },
      def,
      def.kind === 'command' ? STREAMS.work : STREAMS.events,
      consumer,
      handler as Handler<unknown>,
      resolveSubscribeOptions(opts),
      (s) => this.subscriptions.delete(s),
    );
    await sub.start();
    this.subscriptions.add(sub);
    return sub;
  }

  async request<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<D>> {
    const { envelope, headers } = envelopeFor(def, payload, opts, this.stamp);
    const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs ?? 5000;
    let reply: Msg;
    try {
      reply = await this.connection.request(def.subject, textEncoder.encode(JSON.stringify(envelope)), {
        timeout: timeoutMs,
        headers: toNatsHeaders(headers),
      });
    } catch (err) {
      if (err instanceof natsErrors.TimeoutError) throw new RequestTimeoutError(def.subject, timeoutMs);
      if (err instanceof natsErrors.RequestError && err.isNoResponders())
        throw new NoRespondersError(def.subject);
      if (err instanceof natsErrors.NoRespondersError) throw new NoRespondersError(def.subject);
      throw new PublishFailedError(def.subject, describeError(err), { cause: err });
    }
    return readReply(def.subject, reply.string()) as ReplyOf<D>;
  }

  async serve<D extends MessageDef>(
    def: D,
    responder: Responder<PayloadOf<D>, ReplyOf<D>>,
  ): Promise<Subscription> {
    assertServable(def);
    if (this.closing) throw new BusUnavailableError('the bus is closed');
    const settling = new Set<Promise<void>>();
    const answer = async (msg: Msg): Promise<void> => {
      const wire = await answerRequest(def, responder as Responder<unknown, unknown>, msg.string(), (k) =>
        headerValue(msg.headers, k),
      );
      // Throws when the connection closed meanwhile: the requester has timed out or gone by then.
      msg.respond(textEncoder.encode(JSON.stringify(wire)));
    };
    const sub: NatsSubscription = this.connection.subscribe(def.subject, {
      queue: RESPONDERS,
      callback: (err, msg) => {
        if (err) {
          this.log('error', 'responder subscription failed', {
            subject: def.subject,
            error: describeError(err),
          });
          return;
        }
        const p = answer(msg)
          .catch((e: unknown) =>
            this.log('warn', 'reply not sent', { subject: def.subject, error: describeError(e) }),
          )
          .finally(() => settling.delete(p));
        settling.add(p);
      },
    });
    let draining: Promise<void> | undefined;
    const subscription: Subscription = {
      drain: () =>
        (draining ??= (async () => {
          try {
            if (!sub.isClosed()) await sub.drain();
          } finally {
            while (settling.size > 0) await Promise.allSettled([...settling]);
            this.subscriptions.delete(subscription);
          }
        })()),
    };
    this.subscriptions.add(subscription);
    // Make sure the server has the subscription before a caller can expect an answer.
    await this.connection.flush();
    return subscription;
  }

  async listDeadLetters(opts: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    return readDeadLetters(this.js, this.jsm, opts);
  }

  /**
   * Drains every subscription (in-flight handlers finish and ack), then drains the connection. When
   * the drain fails (the server is down), the connection is closed anyway, so nothing is left
   * reconnecting, and the call rejects with BusUnavailableError: what was not acked is redelivered.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.subscriptions].map((s) => s.drain()));
      this.closed = true;
      if (this.connection.isClosed()) return;
      try {
        await this.connection.drain();
      } catch (err) {
        await this.connection.close().catch(() => undefined);
        throw new BusUnavailableError(`the NATS connection could not be drained: ${describeError(err)}`, {
          cause: err,
        });
      }
    })();
    return this.closing;
  }
}
