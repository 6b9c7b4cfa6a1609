import {
  contractBuiltFor,
  type Envelope,
  type MessageDef,
  type PayloadOf,
  type ReplyOf,
} from '@autopilot/contracts';
import {
  describeError,
  nextTurn,
  systemClock,
  systemTimers,
  ulidSource,
  type Clock,
  type IdSource,
  type TimerHandle,
  type Timers,
} from '@autopilot/kernel';
import { extractTraceContext, withConsumerSpan } from '@autopilot/telemetry';
import { envelopeHead, letterMessage } from '../letter-message';
import { decodeEnvelope, type Decoded } from '../decode-envelope';
import { envelopeFor, relayHeaders, type EnvelopeStamp } from '../envelope-for';
import {
  BusUnavailableError,
  ConsumerConflictError,
  NoRespondersError,
  PayloadTooLargeError,
  PublishFailedError,
  RequestTimeoutError,
} from '../errors';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../message-size';
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
import { answerRequest, readReply } from '../reply-wire';
import { deadLetterSubject, subjectFamily } from '../subject-family';
import {
  assertConsumerName,
  assertServable,
  assertSubscribable,
  resolveSubscribeOptions,
} from '../subscribe-options';
import { ConsumerGroup, type GroupMember, type PendingMessage } from './consumer-group';
import { SubjectLog, type StoredMessage } from './subject-log';

/**
 * When a publish resolves. `on-append`: once the bus holds the message (what JetStream's PubAck
 * means). `on-consume`: once every consumer group bound to the subject when it was published has
 * acked or dead-lettered it, or at once when no group with a subscriber is bound.
 */
export type InProcessSettle = 'on-append' | 'on-consume';

/**
 * `eventLogBytes` by default: 8 MiB. Envelopes of ordinary events are mostly under 800 characters
 * (`ingestion.progress`: ~470), so 10,000 of them (`eventLogLimit`) stay within it and small-event
 * history is kept as before; it binds where events are large (a 500k-word plan announces ~35 MB in
 * three events), which the log then lets go of once consumed instead of for the life of the process.
 */
export const DEFAULT_EVENT_LOG_BYTES = 8 * 1024 * 1024;

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
  /**
   * Event bodies kept per subject for consumers that subscribe later, counted in UTF-16 code units
   * (the JSON text's `length`: its bytes when it is ASCII). Past it, the oldest events that every
   * consumer group of the subject has acked or dead-lettered are dropped until the log is within it
   * again; an event some group has not taken yet, or has taken and not finished (it may be
   * redelivered), is kept whatever its size, and so is everything after it. A group with no
   * subscriber still counts: a durable group resuming later gets what it had not read. With no group
   * on the subject, the oldest events go, the newest too when it alone is past the budget. Default
   * DEFAULT_EVENT_LOG_BYTES (8 MiB). Commands are unaffected.
   */
  eventLogBytes?: number;
  /** Dead letters kept for `listDeadLetters`; past it the oldest are forgotten. Default 10000. */
  deadLetterLimit?: number;
  /** Default 5000: `request()` without `timeoutMs`. */
  requestTimeoutMs?: number;
  /**
   * The largest event or command body handed to a handler, in UTF-8 bytes; a larger one is
   * dead-lettered unparsed (`BUS_PAYLOAD_TOO_LARGE`), as the JetStream adapter does. Default
   * DEFAULT_MAX_MESSAGE_BYTES (64 MiB).
   */
  maxMessageBytes?: number;
  /**
   * Default `on-append`. The embedded topology uses `on-consume`: nothing survives this process, so
   * an outbox entry may be marked published only once its message was consumed; a stop or a crash
   * before that re-publishes it (consumers de-duplicate with their inbox). Applies to `publish`,
   * `publishEnvelope` and `publishRaw`, events and commands alike: the publish waits for the groups
   * (an event) or the work queue's consumer (a command) that had a subscriber when it was published;
   * a group that loses its subscribers meanwhile is still waited for. A pending publish rejects with
   * BusUnavailableError when `close()` starts. A handler must not await a publish its own consumer
   * group has to consume: with no free slot in the group it would wait for itself until `close()`.
   */
  settle?: InProcessSettle;
  /** Where dead letters are reported, one line each (as the JetStream adapter does). Default stderr. */
  log?: BusLog;
  clock?: Clock;
  /**
   * Where redelivery backoffs and request timeouts are scheduled. Default: Node's timers. Tests pass
   * a FakeClock (as `clock` too) and advance it instead of waiting.
   */
  timers?: Timers;
  ids?: IdSource;
}

interface ResponderEntry {
  readonly def: MessageDef;
  readonly responder: Responder<unknown, unknown>;
  readonly settling: Set<Promise<unknown>>;
}

/** A publish waiting, under `settle: 'on-consume'`, for the groups that have to consume it. */
interface PendingSettle {
  readonly groups: Set<ConsumerGroup>;
  /** The de-duplication key: a re-publish of the same id waits on the same settle. */
  readonly key: string | undefined;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * A delivery's headers without the bus's own `Nats-*` bookkeeping (an outside producer's
 * `Nats-Msg-Id`), as the JetStream adapter hands them over.
 */
function handlerHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers)) if (!key.startsWith('Nats-')) out[key] = headers[key]!;
  return out;
}

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
  private readonly stamp: EnvelopeStamp;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly duplicateWindowMs: number;
  private readonly eventLogLimit: number;
  private readonly eventLogBytes: number;
  private readonly deadLetterLimit: number;
  private readonly requestTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly settleMode: InProcessSettle;
  private readonly busLog: BusLog;
  private readonly logs = new Map<string, SubjectLog>();
  private readonly groups = new Map<string, ConsumerGroup>();
  /** The event groups of each subject: what `release` asks what they still need. */
  private readonly eventGroups = new Map<string, ConsumerGroup[]>();
  private readonly workQueueOwners = new Map<string, string>();
  /** `<family>:<id>` → first publish time; insertion order is time order, so pruning reads the front. */
  private readonly seenIds = new Map<string, number>();
  /** Oldest first; trimmed to `deadLetterLimit` in batches, so recording one stays O(1) amortised. */
  private deadLetters: DeadLetter[] = [];
  private readonly responders = new Map<string, ResponderEntry[]>();
  private readonly nextResponder = new Map<string, number>();
  private readonly subscriptions = new Set<Subscription>();
  /** Redeliveries waiting for their backoff; cancelled by `close()`. */
  private readonly waiting = new Set<TimerHandle>();
  private readonly dirty = new Set<ConsumerGroup>();
  private readonly settles = new Map<StoredMessage, PendingSettle>();
  private readonly settlesByKey = new Map<string, PendingSettle>();
  private pumpScheduled = false;
  /** Envelope heads of stored messages published parsed (see `append`). */
  private readonly heads = new WeakMap<StoredMessage, Record<string, string>>();
  /** Contract types each stored body was found valid for (see `decode`). */
  private readonly validBodies = new WeakMap<StoredMessage, Set<string>>();
  private closing: Promise<void> | undefined;
  /** Set once subscriptions are drained: in-flight handlers may still publish while they finish. */
  private closed = false;

  constructor(private readonly options: InProcessMessageBusOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.stamp = {
      source: options.source ?? 'in-process',
      clock: this.clock,
      ids: options.ids ?? ulidSource(),
    };
    this.duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
    this.eventLogLimit = options.eventLogLimit ?? 10_000;
    this.eventLogBytes = options.eventLogBytes ?? DEFAULT_EVENT_LOG_BYTES;
    this.deadLetterLimit = Math.max(1, options.deadLetterLimit ?? 10_000);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.settleMode = options.settle ?? 'on-append';
    this.busLog = options.log ?? consoleBusLog;
  }

  async publish<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts: PublishOptions = {},
  ): Promise<Envelope<PayloadOf<D>>> {
    const { envelope, headers } = envelopeFor(def, payload, opts, this.stamp);
    await this.append(envelope.subject, JSON.stringify(envelope), headers, envelope.id, envelope);
    return envelope;
  }

  /**
   * Not `async`: an async function's frame would hold `envelope` and `json` until the settle, which
   * on-consume is once every consumer took the message (a relay's whole plan, seconds later); the
   * stored body is all the bus keeps.
   */
  publishEnvelope(envelope: Envelope, json?: string): Promise<void> {
    try {
      return this.append(
        envelope.subject,
        json ?? JSON.stringify(envelope),
        relayHeaders(envelope),
        envelope.id,
        envelope,
      );
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Publishes bytes on a subject as an outside integration would, unvalidated: what the
   * conformance suite needs to prove how a bad message is handled. Not part of MessageBus.
   */
  async publishRaw(subject: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    await this.append(subject, body, { ...headers }, headers['Nats-Msg-Id']);
  }

  /**
   * Stores the message and wakes its groups; the promise is the publish's settle (see `settle`).
   * `envelope`, when the caller has it parsed, gives the head a dead letter of a body too large to
   * parse keeps (the JetStream adapter's stub carries the same).
   */
  private append(
    subject: string,
    body: string,
    headers: Record<string, string>,
    id: string | undefined,
    envelope?: Envelope,
  ): Promise<void> {
    if (this.closed) throw new PublishFailedError(subject, 'the bus is closed');
    const family = subjectFamily(subject);
    if (family !== 'events' && family !== 'work')
      throw new PublishFailedError(subject, 'no stream binds this subject');
    const key = id === undefined ? undefined : `${family}:${id}`;
    if (key !== undefined && this.isDuplicate(key)) {
      return this.settlesByKey.get(key)?.promise ?? Promise.resolve();
    }
    const log = this.log(subject, family === 'work');
    const rec = log.append(body, headers);
    if (envelope) {
      this.heads.set(rec, envelopeHead(envelope));
      // The body is the JSON of an envelope `buildEnvelope` validated in this process: each
      // consumer still parses its own copy, but validating ~35 MB of a plan's events again at
      // each one would only find what was found at build (see `decode`).
      const built = contractBuiltFor(envelope);
      if (built) this.validBodies.set(rec, new Set([built.type]));
    }
    this.release(log);
    const waitFor = new Set<ConsumerGroup>();
    for (const group of this.groups.values()) {
      if (group.subject !== subject) continue;
      this.schedule(group);
      if (group.hasMembers) waitFor.add(group);
    }
    if (this.settleMode === 'on-append' || waitFor.size === 0) return Promise.resolve();
    if (this.closing) return Promise.reject(this.closedWhileSettling(subject));
    const settle = pendingSettle(waitFor, key);
    this.settles.set(rec, settle);
    if (key !== undefined) this.settlesByKey.set(key, settle);
    return settle.promise;
  }

  /**
   * `group` is done with `p` (acked or dead-lettered): a publish waiting for it may resolve, and its
   * log may let go of it.
   */
  private consumed(group: ConsumerGroup, p: PendingMessage): void {
    group.finish(p);
    const settle = this.settles.get(p.rec);
    if (settle) {
      settle.groups.delete(group);
      this.resolveIfConsumed(p.rec, settle);
    }
    const log = this.logs.get(p.rec.subject);
    if (log) this.release(log);
  }

  /**
   * Past `eventLogBytes`, drops the subject's oldest events that every group of it has finished.
   * Only a log over its budget asks the groups, so small events cost nothing here.
   */
  private release(log: SubjectLog): void {
    if (!log.overBudget) return;
    let needed = log.endSeq;
    for (const group of this.eventGroups.get(log.subject) ?? []) needed = Math.min(needed, group.needsFrom);
    log.release(needed);
  }

  /** An event dropped by `eventLogLimit` is never consumed by the groups that had not taken it. */
  private evicted(rec: StoredMessage): void {
    const settle = this.settles.get(rec);
    if (!settle) return;
    for (const group of settle.groups) if (!group.hasTaken(rec.seq)) settle.groups.delete(group);
    this.resolveIfConsumed(rec, settle);
  }

  private resolveIfConsumed(rec: StoredMessage, settle: PendingSettle): void {
    if (settle.groups.size > 0) return;
    this.settles.delete(rec);
    if (settle.key !== undefined) this.settlesByKey.delete(settle.key);
    settle.resolve();
  }

  private rejectPendingSettles(): void {
    for (const [rec, settle] of this.settles) settle.reject(this.closedWhileSettling(rec.subject));
    this.settles.clear();
    this.settlesByKey.clear();
  }

  private closedWhileSettling(subject: string): BusUnavailableError {
    return new BusUnavailableError(
      `the bus closed before the message on ${subject} was consumed; publish it again after restart`,
    );
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
      log = workQueue
        ? new SubjectLog(subject, { messages: Number.POSITIVE_INFINITY })
        : new SubjectLog(subject, { messages: this.eventLogLimit, bodyChars: this.eventLogBytes }, (rec) =>
            this.evicted(rec),
          );
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
    if (this.closing) throw new BusUnavailableError('the bus is closed');
    const group = this.group(def, consumer);
    const member: GroupMember = {
      def,
      handler: handler as Handler<unknown>,
      opts: resolveSubscribeOptions(opts),
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
    if (!isWork) {
      const ofSubject = this.eventGroups.get(def.subject);
      if (ofSubject) ofSubject.push(group);
      else this.eventGroups.set(def.subject, [group]);
    }
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

  /**
   * Parses a stored body for one delivery (each gets its own copy, as off a wire) and validates it
   * against the contract once: validation is the costly half (~0.1 s for a 12 MB blueprint), and a
   * body valid for a contract stays so for the next group and the next redelivery.
   */
  private decode(def: MessageDef, rec: StoredMessage): Decoded<unknown> {
    const validFor = this.validBodies.get(rec);
    if (validFor?.has(def.type)) return { ok: true, envelope: JSON.parse(rec.body) as Envelope };
    const decoded = decodeEnvelope<unknown>(def, rec.body);
    if (decoded.ok) {
      if (validFor) validFor.add(def.type);
      else this.validBodies.set(rec, new Set([def.type]));
    }
    return decoded;
  }

  /** The body's size in UTF-8 bytes when it is past the cap, else undefined (no count needed). */
  private oversize(body: string): number | undefined {
    // A UTF-16 unit is at most 3 UTF-8 bytes: most bodies pass without being counted.
    if (body.length * 3 <= this.maxMessageBytes) return undefined;
    const bytes = Buffer.byteLength(body);
    return bytes > this.maxMessageBytes ? bytes : undefined;
  }

  private async attempt(group: ConsumerGroup, member: GroupMember, p: PendingMessage): Promise<void> {
    const count = p.count;
    const bytes = this.oversize(p.rec.body);
    if (bytes !== undefined) {
      const tooLarge = new PayloadTooLargeError(p.rec.subject, bytes, this.maxMessageBytes, 'body');
      const head = this.heads.get(p.rec) ?? envelopeHead({ id: p.rec.headers['Nats-Msg-Id'] });
      await this.deadLetter(group, member, p, tooLarge.code, tooLarge.message, head, count);
      return;
    }
    const decoded = this.decode(member.def, p.rec);
    if (!decoded.ok) {
      await this.deadLetter(group, member, p, decoded.code, decoded.reason, decoded.message, count);
      return;
    }
    const { envelope } = decoded;
    const headers = p.rec.headers;
    const delivery: Delivery<unknown> = {
      id: envelope.id,
      payload: envelope.data,
      envelope,
      subject: p.rec.subject,
      deliveryCount: count,
      headers: handlerHeaders(headers),
      // A running handler holds its delivery (see the class comment): nothing to push back.
      working: () => undefined,
    };
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
        this.consumed(group, p);
        return;
      case 'dead':
        await this.deadLetter(group, member, p, outcome.code, outcome.reason, envelope, count);
        return;
      case 'retry':
        this.redeliverAfter(() => {
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

  /** Records the letter, settles the message, then tells the subscriber (`onDeadLetter`). */
  private async deadLetter(
    group: ConsumerGroup,
    member: GroupMember,
    p: PendingMessage,
    code: string,
    reason: string,
    message: unknown,
    deliveryCount: number,
  ): Promise<void> {
    const letter: DeadLetter = {
      subject: p.rec.subject,
      consumer: group.name,
      message: letterMessage(message, () => p.rec.body),
      reason,
      code,
      deliveryCount,
      at: this.clock.isoNow(),
    };
    this.deadLetters.push(letter);
    // Trim in batches: one copy per `deadLetterLimit / 4` letters rather than one per letter.
    if (this.deadLetters.length >= this.deadLetterLimit + Math.ceil(this.deadLetterLimit / 4)) {
      this.deadLetters = this.deadLetters.slice(-this.deadLetterLimit);
    }
    logDeadLetter(this.busLog, letter, p.rec.headers['Nats-Msg-Id']);
    this.consumed(group, p);
    const onDeadLetter = member.opts.onDeadLetter;
    if (!onDeadLetter) return;
    try {
      await onDeadLetter({ ...letter });
    } catch (err) {
      this.busLog('error', 'onDeadLetter failed', {
        consumer: group.name,
        subject: letter.subject,
        code,
        error: describeError(err),
      });
    }
  }

  private redeliverAfter(fn: () => void, ms: number): void {
    const handle = this.timers.after(ms, () => {
      this.waiting.delete(handle);
      fn();
    });
    this.waiting.add(handle);
  }

  async request<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<D>> {
    const { envelope, headers } = envelopeFor(def, payload, opts, this.stamp);
    const entries = this.responders.get(def.subject);
    if (this.closed || !entries || entries.length === 0) throw new NoRespondersError(def.subject);
    const i = (this.nextResponder.get(def.subject) ?? 0) % entries.length;
    this.nextResponder.set(def.subject, i + 1);
    const entry = entries[i]!;
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const answer = this.answer(entry, JSON.stringify(envelope), headers);
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.timers.after(timeoutMs, () => reject(new RequestTimeoutError(def.subject, timeoutMs)));
    });
    try {
      return readReply(def.subject, await Promise.race([answer, timeout])) as ReplyOf<D>;
    } finally {
      timer?.cancel();
    }
  }

  /** Runs a responder on the wire text, as a remote one would, and returns the wire reply. */
  private answer(entry: ResponderEntry, body: string, headers: Record<string, string>): Promise<string> {
    const run = (async (): Promise<string> => {
      // Never on the requester's stack, as over a network.
      await nextTurn();
      return JSON.stringify(await answerRequest(entry.def, entry.responder, body, (k) => headers[k]));
    })();
    entry.settling.add(run);
    void run.finally(() => entry.settling.delete(run));
    return run;
  }

  async serve<D extends MessageDef>(
    def: D,
    responder: Responder<PayloadOf<D>, ReplyOf<D>>,
  ): Promise<Subscription> {
    assertServable(def);
    if (this.closing) throw new BusUnavailableError('the bus is closed');
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

  /** The newest `deadLetterLimit` dead letters are kept; older ones are forgotten. */
  async listDeadLetters(opts: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const subject = opts.consumer === undefined ? undefined : deadLetterSubject(opts.consumer);
    const kept = this.deadLetters.slice(-this.deadLetterLimit);
    const matching = kept.filter((d) => subject === undefined || deadLetterSubject(d.consumer) === subject);
    return matching.slice(0, opts.limit ?? matching.length).map((d) => ({ ...d }));
  }

  /**
   * Rejects publishes waiting to be consumed (`settle: 'on-consume'`) at once, drains every
   * subscription, then refuses further publishes. Calls after the first share its promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // First: a handler awaiting such a publish must not hold up its own drain.
      this.rejectPendingSettles();
      await Promise.all([...this.subscriptions].map((s) => s.drain()));
      this.closed = true;
      for (const handle of this.waiting) handle.cancel();
      this.waiting.clear();
    })();
    return this.closing;
  }
}

function pendingSettle(groups: Set<ConsumerGroup>, key: string | undefined): PendingSettle {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { groups, key, promise, resolve, reject };
}
