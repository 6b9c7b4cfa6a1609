import {
  buildEnvelope,
  formatIssues,
  validateEnvelope,
  validateReply,
  type Envelope,
  type MessageDef,
  type PayloadOf,
  type ReplyOf,
} from '@autopilot/contracts';
import { describeError, systemClock, ulidSource, type Clock, type IdSource } from '@autopilot/kernel';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  errors as natsErrors,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from '@nats-io/transport-node';
import {
  BusUnavailableError,
  NoRespondersError,
  PublishFailedError,
  RemoteError,
  RequestTimeoutError,
} from '../errors';
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
import { subjectFamily } from '../subject-family';
import { assertConsumerName, assertSubscribable, resolveSubscribeOptions } from '../subscribe-options';
import { extractTraceContext, injectTraceContext, withConsumerSpan } from '@autopilot/telemetry';
import { headerValue, textEncoder, toNatsHeaders } from './codec';
import { connectWithRetry } from './connect';
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

/** A reply as it crosses the bus: the value, or the responder's error code and message. */
type ReplyWire = { reply: unknown } | { error: { code: string; message: string } };

/**
 * Connects to NATS (retrying while it is unreachable), provisions AP_EVENTS, AP_WORK and AP_DLQ,
 * and returns the bus. Rejects with BusUnavailableError past `connectTimeoutMs` or when a stream
 * cannot be provisioned.
 */
export async function connectJetStreamBus(options: JetStreamBusOptions): Promise<JetStreamMessageBus> {
  const log = options.log ?? consoleBusLog;
  const nc = await connectWithRetry({
    servers: options.servers,
    name: options.name ?? options.source,
    connectTimeoutMs: options.connectTimeoutMs,
    log,
  });
  try {
    const jsm = await jetstreamManager(nc);
    await provisionStreams(jsm, options);
    return new JetStreamMessageBus(nc, jetstream(nc), jsm, options, log);
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
  private readonly clock: Clock;
  private readonly ids: IdSource;
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
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? ulidSource();
  }

  async publish<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts: PublishOptions = {},
  ): Promise<Envelope<PayloadOf<D>>> {
    const headers: Record<string, string> = { ...opts.headers };
    injectTraceContext(headers);
    const envelope = buildEnvelope(def, payload, {
      id: opts.id ?? this.ids.next(),
      time: this.clock.isoNow(),
      source: this.options.source,
      projectId: opts.projectId,
      correlationId: opts.correlationId,
      causationId: opts.causationId,
      traceparent: headers.traceparent,
    });
    await this.send(envelope.subject, JSON.stringify(envelope), headers, envelope.id);
    return envelope;
  }

  async publishEnvelope(envelope: Envelope): Promise<void> {
    // The relay runs outside the producer's span: the envelope's own traceparent is the right one.
    const headers: Record<string, string> = {};
    if (envelope.traceparent !== undefined) headers.traceparent = envelope.traceparent;
    await this.send(envelope.subject, JSON.stringify(envelope), headers, envelope.id);
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
      { nc: this.connection, js: this.js, jsm: this.jsm, log: this.log, now: () => this.clock.isoNow() },
      def,
      def.kind === 'command' ? STREAMS.work : STREAMS.events,
      consumer,
      handler as Handler<unknown>,
      resolveSubscribeOptions(def, opts),
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
    const headers: Record<string, string> = { ...opts.headers };
    injectTraceContext(headers);
    const envelope = buildEnvelope(def, payload, {
      id: this.ids.next(),
      time: this.clock.isoNow(),
      source: this.options.source,
      projectId: opts.projectId,
      correlationId: opts.correlationId,
      causationId: opts.causationId,
      traceparent: headers.traceparent,
    });
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
    const wire = reply.json<ReplyWire>();
    if ('error' in wire) throw new RemoteError(wire.error.code, def.subject, wire.error.message);
    return wire.reply as ReplyOf<D>;
  }

  async serve<D extends MessageDef>(
    def: D,
    responder: Responder<PayloadOf<D>, ReplyOf<D>>,
  ): Promise<Subscription> {
    if (def.kind !== 'request') throw new TypeError(`${def.type} is not a request: subscribe() to it`);
    if (this.closing) throw new BusUnavailableError('the bus is closed');
    const settling = new Set<Promise<void>>();
    const answer = async (msg: Msg): Promise<void> => {
      const wire = await this.answer(def, responder as Responder<unknown, unknown>, msg);
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
        const p = answer(msg).finally(() => settling.delete(p));
        settling.add(p);
      },
    });
    const subscription: Subscription = {
      drain: async () => {
        if (!sub.isClosed()) await sub.drain();
        while (settling.size > 0) await Promise.allSettled([...settling]);
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    // Make sure the server has the subscription before a caller can expect an answer.
    await this.connection.flush();
    return subscription;
  }

  private async answer(
    def: MessageDef,
    responder: Responder<unknown, unknown>,
    msg: Msg,
  ): Promise<ReplyWire> {
    let parsed: Envelope;
    try {
      parsed = msg.json<Envelope>();
    } catch (err) {
      return { error: { code: 'BUS_MALFORMED_ENVELOPE', message: `not JSON: ${(err as Error).message}` } };
    }
    const issues = validateEnvelope(def, parsed);
    if (issues.length > 0) return { error: { code: 'CONTRACT_VIOLATION', message: formatIssues(issues) } };
    const parent = extractTraceContext((k) => headerValue(msg.headers, k));
    try {
      const reply = await withConsumerSpan(parent, { subject: def.subject, messageId: parsed.id }, () =>
        responder(parsed.data, parsed),
      );
      const replyIssues = validateReply(def, reply);
      if (replyIssues.length > 0) {
        return { error: { code: 'CONTRACT_VIOLATION', message: `reply: ${formatIssues(replyIssues)}` } };
      }
      return { reply };
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      return {
        error: {
          code: typeof code === 'string' ? code : 'BUS_REMOTE_FAILURE',
          message: err instanceof Error ? err.message : describeError(err),
        },
      };
    }
  }

  async listDeadLetters(opts: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    return readDeadLetters(this.js, this.jsm, opts);
  }

  /** Drains every subscription (in-flight handlers finish and ack), then drains the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.subscriptions].map((s) => s.drain()));
      this.closed = true;
      if (!this.connection.isClosed()) await this.connection.drain();
    })();
    return this.closing;
  }
}
