import {
  buildEnvelope,
  validateEnvelope,
  validateReply,
  formatIssues,
  type Envelope,
  type MessageDef,
  type PayloadOf,
  type ReplyOf,
} from '@autopilot/contracts';
import { describeError, systemClock, ulidSource, type Clock, type IdSource } from '@autopilot/kernel';
import { decodeEnvelope } from '../decode-envelope';
import {
  ConsumerConflictError,
  NoRespondersError,
  PublishFailedError,
  RemoteError,
  RequestTimeoutError,
} from '../errors';
import type {
  DeadLetter,
  Delivery,
  Handler,
  MessageBus,
  PublishOptions,
  RequestOptions,
  Responder,
  SubscribeOptions,
  Subscription,
} from '../message-bus';
import { consoleBusLog, logDeadLetter, type BusLog } from '../log';
import { ACK, decideOutcome, type Outcome } from '../outcome';
import { deadLetterSubject, subjectFamily } from '../subject-family';
import { assertConsumerName, assertSubscribable, resolveSubscribeOptions } from '../subscribe-options';
import { extractTraceContext, injectTraceContext, withConsumerSpan } from '@autopilot/telemetry';
import { ConsumerGroup, type GroupMember, type PendingMessage } from './consumer-group';
import { SubjectLog } from './subject-log';

export interface InProcessMessageBusOptions {
  /** The envelope `source` of what this bus publishes. Default `in-process`. */
  source?: string;
  /**
   * Replaces every consumer's backoff with this delay (tests use 0). A RetryLaterError's own delay
   * still applies.
   */
  redeliveryDelayMs?: number;
  /** Publishes of an id already seen within this window are dropped (JetStream's default: 2 min). */
  duplicateWindowMs?: number;
  /**
   * Events kept per subject for consumers that subscribe later (DeliverPolicy.All). Past it the
   * oldest are dropped, and a consumer that had not read them yet never sees them. Default 10000.
   * Commands are kept until a consumer acks them, without limit, as in a work-queue stream.
   */
  eventLogLimit?: number;
  /** Default 5000: `request()` without `timeoutMs`. */
  requestTimeoutMs?: number;
  /** Where dead letters are reported, one line each (as the JetStream adapter does). Default stderr. */
  log?: BusLog;
  clock?: Clock;
  ids?: IdSource;
}

interface ResponderEntry {
  readonly def: MessageDef;
  readonly responder: Responder<unknown, unknown>;
  readonly settling: Set<Promise<unknown>>;
}

/** A reply as it crosses the bus: the value, or the responder's error code and message. */
type ReplyWire = { reply: unknown } | { error: { code: string; message: string } };

/**
 * The MessageBus in memory, for the embedded topology and tests: a log per subject, a cursor per
 * consumer name, a work queue per command subject, redelivery with backoff and ack-wait, dedup by
 * envelope id, dead letters, request/reply. Same guarantees as the JetStream adapter (the
 * conformance suite holds both to them), nothing survives the process.
 *
 * Ack wait: the JetStream adapter sends `working()` for as long as a handler runs, so there a
 * delivery is redelivered on `ackWaitMs` only when its process dies. An in-memory bus dies with its
 * handlers, so this one never redelivers on ack wait and `working()` has nothing to do.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly source: string;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly duplicateWindowMs: number;
  private readonly eventLogLimit: number;
  private readonly requestTimeoutMs: number;
  private readonly busLog: BusLog;
  private readonly logs = new Map<string, SubjectLog>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly workQueueOwners = new Map<string, string>();
  /** `<family>:<id>` → first publish time; insertion order is time order, so pruning reads the front. */
  private readonly seenIds = new Map<string, number>();
  private readonly deadLetters: DeadLetter[] = [];
  private readonly responders = new Map<string, ResponderEntry[]>();
  private readonly nextResponder = new Map<string, number>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dirty = new Set<ConsumerGroup>();
  private pumpScheduled = false;
  private closed = false;

  constructor(private readonly options: InProcessMessageBusOptions = {}) {
    this.source = options.source ?? 'in-process';
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? ulidSource();
    this.duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
    this.eventLogLimit = options.eventLogLimit ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.busLog = options.log ?? consoleBusLog;
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
      source: this.source,
      projectId: opts.projectId,
      correlationId: opts.correlationId,
      causationId: opts.causationId,
      traceparent: headers.traceparent,
    });
    this.append(envelope.subject, JSON.stringify(envelope), headers, envelope.id);
    return envelope;
  }

  async publishEnvelope(envelope: Envelope): Promise<void> {
    // The relay runs outside the producer's span: the envelope's own traceparent is the right one.
    const headers: Record<string, string> = {};
    if (envelope.traceparent !== undefined) headers.traceparent = envelope.traceparent;
    this.append(envelope.subject, JSON.stringify(envelope), headers, envelope.id);
  }

  async publishRaw(subject: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    this.append(subject, body, { ...headers }, headers['Nats-Msg-Id']);
  }

  private append(
    subject: string,
    body: string,
    headers: Record<string, string>,
    id: string | undefined,
  ): void {
    if (this.closed) throw new PublishFailedError(subject, 'the bus is closed');
    const family = subjectFamily(subject);
    if (family !== 'events' && family !== 'work')
      throw new PublishFailedError(subject, 'no stream binds this subject');
    if (id !== undefined && this.isDuplicate(`${family}:${id}`)) return;
    this.log(subject, family === 'work').append(body, headers);
    for (const group of this.groups.values()) if (group.subject === subject) this.schedule(group);
  }

  private isDuplicate(key: string): boolean {
    const now = this.clock.now();
    for (const [k, at] of this.seenIds) {
      if (now - at < this.duplicateWindowMs) break;
      this.seenIds.delete(k);
    }
    if (this.seenIds.has(key)) return true;
    this.seenIds.set(key, now);
    return false;
  }

  private log(subject: string, workQueue: boolean): SubjectLog {
    let log = this.logs.get(subject);
    if (!log) {
      log = new SubjectLog(subject, workQueue ? Number.POSITIVE_INFINITY : this.eventLogLimit);
      this.logs.set(subject, log);
    }
    return log;
  }

  async subscribe<D extends MessageDef>(
    def: D,
    consumer: string,
    handler: Handler<PayloadOf<D>>,
    opts?: SubscribeOptions,
  ): Promise<Subscription> {
    assertSubscribable(def);
    assertConsumerName(consumer);
    if (this.closed) throw new PublishFailedError(def.subject, 'the bus is closed');
    const group = this.group(def, consumer);
    const member: GroupMember = {
      def,
      handler: handler as Handler<unknown>,
      opts: resolveSubscribeOptions(def, opts),
      inFlight: 0,
      settling: new Set(),
    };
    group.add(member);
    this.schedule(group);
    const subscription: Subscription = {
      drain: async () => {
        group.remove(member);
        this.subscriptions.delete(subscription);
        // A drained member's in-flight deliveries still settle (ack, redeliver) normally.
        while (member.settling.size > 0) await Promise.allSettled([...member.settling]);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private group(def: MessageDef, consumer: string): ConsumerGroup {
    const isWork = def.kind === 'command';
    const existing = this.groups.get(consumer);
    if (existing) {
      if (existing.subject !== def.subject) {
        throw new ConsumerConflictError(consumer, def.subject, `it is bound to ${existing.subject}`);
      }
      return existing;
    }
    if (isWork) {
      const owner = this.workQueueOwners.get(def.subject);
      if (owner !== undefined && owner !== consumer) {
        throw new ConsumerConflictError(
          consumer,
          def.subject,
          `the work queue already has consumer "${owner}"`,
        );
      }
      this.workQueueOwners.set(def.subject, consumer);
    }
    const group = new ConsumerGroup(consumer, def.subject, isWork, this.log(def.subject, isWork));
    this.groups.set(consumer, group);
    return group;
  }

  /** Dispatch runs on a later tick: publish never runs a handler on the publisher's stack. */
  private schedule(group: ConsumerGroup): void {
    this.dirty.add(group);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      const groups = [...this.dirty];
      this.dirty.clear();
      for (const g of groups) g.dispatch((member, p) => this.deliver(g, member, p));
    });
  }

  private deliver(group: ConsumerGroup, member: GroupMember, p: PendingMessage): void {
    const settle = this.attempt(group, member, p).finally(() => {
      member.inFlight--;
      member.settling.delete(settle);
      this.schedule(group);
    });
    member.settling.add(settle);
  }

  private async attempt(group: ConsumerGroup, member: GroupMember, p: PendingMessage): Promise<void> {
    const count = p.count;
    const decoded = decodeEnvelope<unknown>(member.def, p.rec.body);
    if (!decoded.ok) {
      p.done = true;
      this.recordDeadLetter(p, group.name, decoded.code, decoded.reason, decoded.message, count);
      return;
    }
    const { envelope } = decoded;
    const delivery: Delivery<unknown> = {
      id: envelope.id,
      payload: envelope.data,
      envelope,
      deliveryCount: count,
      headers: p.rec.headers,
      // A running handler holds its delivery (see the class comment): nothing to push back.
      working: () => undefined,
    };
    const headers = p.rec.headers;
    const parent = extractTraceContext(
      (k) => headers[k] ?? (k === 'traceparent' ? envelope.traceparent : undefined),
    );
    let outcome: Outcome;
    try {
      await withConsumerSpan(
        parent,
        { subject: group.subject, messageId: envelope.id, consumer: group.name },
        () => member.handler(delivery),
      );
      outcome = ACK;
    } catch (err) {
      outcome = decideOutcome(err, count, member.opts, this.options.redeliveryDelayMs);
    }
    if (p.done) return;
    switch (outcome.kind) {
      case 'ack':
        p.done = true;
        return;
      case 'dead':
        p.done = true;
        this.recordDeadLetter(p, group.name, outcome.code, outcome.reason, envelope, count);
        return;
      case 'retry':
        this.timer(() => {
          if (this.closed) return;
          group.redeliver(p);
          this.schedule(group);
        }, outcome.delayMs);
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unhandled outcome ${String(never)}`);
      }
    }
  }

  private recordDeadLetter(
    p: PendingMessage,
    consumer: string,
    code: string,
    reason: string,
    message: unknown,
    deliveryCount: number,
  ): void {
    const letter: DeadLetter = {
      subject: p.rec.subject,
      consumer,
      message,
      reason,
      code,
      deliveryCount,
      at: this.clock.isoNow(),
    };
    this.deadLetters.push(letter);
    logDeadLetter(this.busLog, letter, p.rec.headers['Nats-Msg-Id']);
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
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
      source: this.source,
      projectId: opts.projectId,
      correlationId: opts.correlationId,
      causationId: opts.causationId,
      traceparent: headers.traceparent,
    });
    const entries = this.responders.get(def.subject);
    if (this.closed || !entries || entries.length === 0) throw new NoRespondersError(def.subject);
    const i = (this.nextResponder.get(def.subject) ?? 0) % entries.length;
    this.nextResponder.set(def.subject, i + 1);
    const entry = entries[i]!;
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const answer = this.answer(entry, JSON.stringify(envelope), headers);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(def.subject, timeoutMs)), timeoutMs);
    });
    try {
      const wire = JSON.parse(await Promise.race([answer, timeout])) as ReplyWire;
      if ('error' in wire) throw new RemoteError(wire.error.code, def.subject, wire.error.message);
      return wire.reply as ReplyOf<D>;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a responder on the wire text, as a remote one would, and returns the wire reply. */
  private answer(entry: ResponderEntry, body: string, headers: Record<string, string>): Promise<string> {
    const run = (async (): Promise<string> => {
      await new Promise((resolve) => setImmediate(resolve));
      const parsed = JSON.parse(body) as Envelope;
      const issues = validateEnvelope(entry.def, parsed);
      if (issues.length > 0) {
        return JSON.stringify({ error: { code: 'CONTRACT_VIOLATION', message: formatIssues(issues) } });
      }
      const parent = extractTraceContext((k) => headers[k]);
      try {
        const reply = await withConsumerSpan(
          parent,
          { subject: entry.def.subject, messageId: parsed.id },
          () => entry.responder(parsed.data, parsed),
        );
        const replyIssues = validateReply(entry.def, reply);
        if (replyIssues.length > 0) {
          return JSON.stringify({
            error: { code: 'CONTRACT_VIOLATION', message: `reply: ${formatIssues(replyIssues)}` },
          });
        }
        return JSON.stringify({ reply });
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        return JSON.stringify({
          error: {
            code: typeof code === 'string' ? code : 'BUS_REMOTE_FAILURE',
            message: err instanceof Error ? err.message : describeError(err),
          },
        });
      }
    })();
    entry.settling.add(run);
    void run.finally(() => entry.settling.delete(run));
    return run;
  }

  async serve<D extends MessageDef>(
    def: D,
    responder: Responder<PayloadOf<D>, ReplyOf<D>>,
  ): Promise<Subscription> {
    if (def.kind !== 'request') throw new TypeError(`${def.type} is not a request: subscribe() to it`);
    const entry: ResponderEntry = {
      def,
      responder: responder as Responder<unknown, unknown>,
      settling: new Set(),
    };
    const list = this.responders.get(def.subject) ?? [];
    list.push(entry);
    this.responders.set(def.subject, list);
    const subscription: Subscription = {
      drain: async () => {
        const current = this.responders.get(def.subject) ?? [];
        const i = current.indexOf(entry);
        if (i >= 0) current.splice(i, 1);
        this.subscriptions.delete(subscription);
        while (entry.settling.size > 0) await Promise.allSettled([...entry.settling]);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async listDeadLetters(opts: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const subject = opts.consumer === undefined ? undefined : deadLetterSubject(opts.consumer);
    const matching = this.deadLetters.filter(
      (d) => subject === undefined || deadLetterSubject(d.consumer) === subject,
    );
    return matching.slice(0, opts.limit ?? matching.length).map((d) => ({ ...d }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.drain()));
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
