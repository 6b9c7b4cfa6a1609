import type { Envelope, MessageDef, PayloadOf, ReplyOf, ReplyWire } from '@autopilot/contracts';
import {
  describeError,
  systemClock,
  systemTimers,
  ulidSource,
  type Clock,
  type IdSource,
  type Timers,
} from '@autopilot/kernel';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import {
  errors as natsErrors,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from '@nats-io/transport-node';
import { envelopeFor, relayHeaders, type EnvelopeStamp } from '../envelope-for';
import {
  BusPermissionDeniedError,
  BusUnavailableError,
  NoRespondersError,
  PublishFailedError,
  RequestTimeoutError,
} from '../errors';
import { consoleBusLog, type BusLog } from '../log';
import type {
  BusConnectionChange,
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
import { headerValue, textEncoder, toNatsHeaders, withoutBusHeaders } from './codec';
import { connectWithRetry, unlessAborted } from './connect';
import { permissionDenial, type NatsCredentials, type NatsTls } from './nats-auth';
import { logNatsStatus } from './nats-status-log';
import { readDeadLetters } from './dead-letters';
import { JetStreamSubscription } from './jetstream-subscription';
import { envelopeHead } from '../letter-message';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../message-size';
import {
  claimCheckHeaders,
  inlineLimit,
  maxBodyBytes,
  PAYLOADS_BUCKET,
  PayloadStore,
  stubBody,
} from './payload-store';
import { provisionStreams, STREAMS, type ProvisionOptions } from './provisioning';

export interface JetStreamBusOptions extends ProvisionOptions {
  /**
   * One URL or several (a cluster): `nats://127.0.0.1:4222`. A `user:pass@` or `token@` in them is
   * taken out and used as `credentials` (nats.js v3 ignores userinfo).
   */
  servers: string | string[];
  /** Who the connection is (user/password, token, NKey, `.creds`); default what `servers` carry. */
  credentials?: NatsCredentials;
  /** TLS towards the servers (CA, client certificate); a `tls://` server requires TLS too. */
  tls?: NatsTls;
  /**
   * The prefix of this connection's reply subjects. Default `_INBOX.<source>`: the server's
   * permissions can then give each service its own replies only (deploy/nats-permissions.conf).
   */
  inboxPrefix?: string;
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
  /**
   * Events and commands whose JSON is larger than this many bytes are claim-checked: the body goes
   * to the AP_PAYLOADS object store and the stream carries a stub (payload-store.ts). Default, and
   * upper bound: the server's `max_payload` less 64 KiB for headers. Tests set it small.
   */
  maxInlineBytes?: number;
  /**
   * The largest event or command body this bus hands a handler, in bytes. A claim-checked body
   * larger than this (by its `Ap-Payload-Bytes` header, its stored size, or what a read finds) is
   * never fetched into memory: it is dead-lettered (`BUS_PAYLOAD_TOO_LARGE`). Default
   * DEFAULT_MAX_MESSAGE_BYTES (64 MiB).
   */
  maxMessageBytes?: number;
  log?: BusLog;
  clock?: Clock;
  /**
   * Where the adapter's own delays run: the waits between connect attempts, the heartbeats that
   * send `working()`, re-subscribe waits and the payload fetch timeout. Default: Node's timers.
   * The server's own timers (ack wait, nak delays) are not among them.
   */
  timers?: Timers;
  ids?: IdSource;
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _key in record) return true;
  return false;
}

/** `_INBOX.<source>` when the source is one subject token (a service name), else nats.js's `_INBOX`. */
function inboxPrefixFor(source: string): string {
  return /^[A-Za-z0-9_-]+$/.test(source) ? `_INBOX.${source}` : '_INBOX';
}

/** Every responder of a definition joins this queue group, so they share the requests. */
const RESPONDERS = 'ap-responders';

/**
 * Connects to NATS (retrying while it is unreachable), provisions AP_EVENTS, AP_WORK, AP_DLQ and
 * the AP_PAYLOADS bucket, and returns the bus. Rejects with BusUnavailableError past
 * `connectTimeoutMs`, when `signal` aborts, or when a stream or the bucket cannot be provisioned.
 */
export async function connectJetStreamBus(options: JetStreamBusOptions): Promise<JetStreamMessageBus> {
  const log = options.log ?? consoleBusLog;
  const session = await connectWithRetry({
    servers: options.servers,
    name: options.name ?? options.source,
    inboxPrefix: options.inboxPrefix ?? inboxPrefixFor(options.source),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    connectTimeoutMs: options.connectTimeoutMs,
    signal: options.signal,
    log,
    clock: options.clock,
    timers: options.timers,
  });
  const nc = session.connection;
  logNatsStatus(nc, log, session.credential, options.clock ?? systemClock);
  try {
    const bus = await unlessAborted(
      (async () => {
        const jsm = await jetstreamManager(nc);
        await provisionStreams(jsm, options, log);
        const js = jetstream(nc);
        // Provisioned just above: open without another round trip to check it exists.
        const payloads = new PayloadStore(
          await new Objm(js).open(PAYLOADS_BUCKET, false),
          options.timers ?? systemTimers,
        );
        return new JetStreamMessageBus(nc, js, jsm, payloads, options, log, session.credential);
      })(),
      options.signal,
      session.servers,
      async () => undefined,
    );
    return bus;
  } catch (err) {
    await nc.close().catch(() => undefined);
    if (err instanceof BusUnavailableError) throw err;
    const denial = permissionDenial(err);
    if (denial) {
      throw new BusPermissionDeniedError(
        denial.operation === 'subscription' ? 'subscribe' : 'publish',
        denial.subject,
        session.credential,
        'provisioning the JetStream streams and the payload bucket',
        { cause: err },
      );
    }
    throw new BusUnavailableError(`JetStream streams could not be provisioned: ${describeError(err)}`, {
      cause: err,
    });
  }
}

/**
 * The MessageBus on NATS JetStream: events on AP_EVENTS (limits), commands on AP_WORK (work
 * queue), dead letters on AP_DLQ, request/reply on core NATS. Events and commands too large for one
 * NATS message travel by claim check (bodies in AP_PAYLOADS, payload-store.ts); requests and
 * replies stay inline. Build it with `connectJetStreamBus`.
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
    private readonly payloads: PayloadStore,
    private readonly options: JetStreamBusOptions,
    private readonly log: BusLog,
    /** Which credential the connection uses, for permission errors: never a secret. */
    private readonly credential = 'no credentials',
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
    await this.send(envelope.subject, JSON.stringify(envelope), headers, envelope.id, envelope);
    return envelope;
  }

  async *connectionChanges(): AsyncIterable<BusConnectionChange> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect') yield { type: 'disconnected', server: status.server };
      else if (status.type === 'reconnect') yield { type: 'reconnected', server: status.server };
    }
  }

  async publishEnvelope(envelope: Envelope, json?: string): Promise<void> {
    await this.send(
      envelope.subject,
      json ?? JSON.stringify(envelope),
      relayHeaders(envelope),
      envelope.id,
      envelope,
    );
  }

  /**
   * Publishes bytes on a subject as an outside integration would, unvalidated: what the
   * conformance suite needs to prove how a bad message is handled. Not part of MessageBus.
   */
  async publishRaw(subject: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    const { 'Nats-Msg-Id': msgId, ...rest } = headers;
    await this.send(subject, body, rest, msgId);
  }

  /**
   * Publishes and waits for the PubAck: once this resolves, the message survives a server crash. A
   * body past the inline limit is stored in AP_PAYLOADS first, then its stub is published: a
   * consumer never sees a stub whose body is not stored yet. The stub's body is the envelope's head
   * (`envelope`, when the caller has it parsed), so it names the message even unfetched.
   */
  private async send(
    subject: string,
    body: string,
    callerHeaders: Record<string, string>,
    msgId?: string,
    envelope?: Envelope,
  ): Promise<void> {
    if (this.closed) throw new PublishFailedError(subject, 'the bus is closed');
    const family = subjectFamily(subject);
    if (family !== 'events' && family !== 'work')
      throw new PublishFailedError(subject, 'no stream binds this subject');
    // The claim-check headers are the bus's: a caller's copy would send consumers looking for a body.
    let headers = withoutBusHeaders(callerHeaders);
    let data = textEncoder.encode(body);
    if (data.length > inlineLimit(this.connection, this.options.maxInlineBytes)) {
      try {
        const ref = await this.payloads.put(msgId, data);
        headers = { ...headers, ...claimCheckHeaders(ref) };
        data = envelope === undefined ? new Uint8Array(0) : stubBody(envelopeHead(envelope));
      } catch (err) {
        throw new PublishFailedError(
          subject,
          `the body (${data.length} bytes) could not be stored in ${PAYLOADS_BUCKET}: ${this.failure(err)}`,
          { cause: err },
        );
      }
    }
    try {
      await this.js.publish(subject, data, {
        msgID: msgId,
        headers: hasKeys(headers) ? toNatsHeaders(headers) : undefined,
      });
    } catch (err) {
      throw new PublishFailedError(subject, this.failure(err), { cause: err });
    }
  }

  /** Why an operation failed; a permission denial says so, naming the subject the server refused. */
  private failure(err: unknown): string {
    const denial = permissionDenial(err);
    if (!denial) return describeError(err);
    const operation = denial.operation === 'subscription' ? 'subscribe' : 'publish';
    return (
      `NATS permission denied: this connection's user (${this.credential}) may not ${operation} ` +
      `on "${denial.subject}"`
    );
  }

  /**
   * Request/reply is not claim-checked (it carries small things: a question, a verdict): a body past
   * what the server takes is refused with the sizes, rather than by the driver with a bare
   * "max_payload size exceeded" (or, for a reply, a requester left waiting for its timeout).
   */
  private tooLargeToSend(
    subject: string,
    what: 'request' | 'reply',
    data: Uint8Array,
  ): PublishFailedError | undefined {
    const limit = maxBodyBytes(this.connection);
    if (data.length <= limit) return undefined;
    return new PublishFailedError(
      subject,
      `the ${what} is ${data.length} bytes; request/reply carries at most ${limit} ` +
        `(the server's max_payload less room for headers) and is not claim-checked`,
    );
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
        payloads: this.payloads,
        inlineLimit: () => inlineLimit(this.connection, this.options.maxInlineBytes),
        maxMessageBytes: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
        log: this.log,
        now: () => this.stamp.clock.isoNow(),
        timers: this.options.timers ?? systemTimers,
      },
      def,
      def.kind === 'command' ? STREAMS.work : STREAMS.events,
      consumer,
      handler as Handler<unknown>,
      resolveSubscribeOptions(opts),
      (s) => this.subscriptions.delete(s),
    );
    try {
      await sub.start();
    } catch (err) {
      const denial = permissionDenial(err);
      if (!denial) throw err;
      throw new BusPermissionDeniedError(
        denial.operation === 'subscription' ? 'subscribe' : 'publish',
        denial.subject,
        this.credential,
        `binding consumer ${consumer} to ${def.subject}`,
        { cause: err },
      );
    }
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
    const data = textEncoder.encode(JSON.stringify(envelope));
    const tooLarge = this.tooLargeToSend(def.subject, 'request', data);
    if (tooLarge) throw tooLarge;
    let reply: Msg;
    try {
      reply = await this.connection.request(def.subject, data, {
        timeout: timeoutMs,
        headers: toNatsHeaders(headers),
      });
    } catch (err) {
      if (err instanceof natsErrors.TimeoutError) throw new RequestTimeoutError(def.subject, timeoutMs);
      if (err instanceof natsErrors.RequestError && err.isNoResponders())
        throw new NoRespondersError(def.subject);
      if (err instanceof natsErrors.NoRespondersError) throw new NoRespondersError(def.subject);
      throw new PublishFailedError(def.subject, this.failure(err), { cause: err });
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
    let denied: Error | undefined;
    const answer = async (msg: Msg): Promise<void> => {
      const wire = await answerRequest(def, responder as Responder<unknown, unknown>, msg.string(), (k) =>
        headerValue(msg.headers, k),
      );
      let data = textEncoder.encode(JSON.stringify(wire));
      const tooLarge = this.tooLargeToSend(def.subject, 'reply', data);
      if (tooLarge) {
        // The requester gets why (a RemoteError with this code) instead of waiting for its timeout.
        this.log('warn', 'reply too large, answering with an error', {
          subject: def.subject,
          error: tooLarge.message,
        });
        const error: ReplyWire = { error: { code: tooLarge.code, message: tooLarge.message } };
        data = textEncoder.encode(JSON.stringify(error));
      }
      // Throws when the connection closed meanwhile: the requester has timed out or gone by then.
      msg.respond(data);
    };
    const sub: NatsSubscription = this.connection.subscribe(def.subject, {
      queue: RESPONDERS,
      callback: (err, msg) => {
        if (err) {
          if (permissionDenial(err)) denied = err;
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
    // Make sure the server has the subscription before a caller can expect an answer. The server
    // answers a refused subscription before the flush's pong, so a denial is known by now.
    await this.connection.flush();
    if (denied) {
      this.subscriptions.delete(subscription);
      throw new BusPermissionDeniedError(
        'subscribe',
        def.subject,
        this.credential,
        `serving ${def.subject}`,
        {
          cause: denied,
        },
      );
    }
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
