import { ContractViolationError, defineMessage, type Envelope, type MessageDef } from '@autopilot/contracts';
import { NonRetryableError, ulidSource } from '@autopilot/kernel';
import { eventually, FakeClock } from '@autopilot/testing';
import { Type, type TSchema } from '@sinclair/typebox';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import {
  BusUnavailableError,
  ConsumerConflictError,
  InvalidConsumerNameError,
  NoRespondersError,
  RemoteError,
  RequestTimeoutError,
  RetryLaterError,
  WrongMessageKindError,
} from '../errors';
import type { BusLog } from '../log';
import type { DeadLetter, Delivery, MessageBus } from '../message-bus';
import { ensureOtelContextManager } from './otel-context';

const PingData = Type.Object({ n: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const AddData = Type.Object({ a: Type.Number(), b: Type.Number() });
const SumData = Type.Object({ sum: Type.Number() });

let counter = 0;
/** A fresh lower-case tag per test: subjects and consumer names no other test (or run) shares. */
function tag(): string {
  counter += 1;
  return `${Date.now().toString(36)}_${process.pid.toString(36)}_${counter.toString(36)}`;
}

// Each test gets its own message definitions, so retained history from another test (JetStream
// keeps events across tests on one server) can never reach its consumers.
function testEvent<T extends TSchema>(name: string, data: T, summary: string, version = 1) {
  return defineMessage({
    kind: 'event',
    aggregate: 'conformance',
    name,
    version,
    producer: 'external',
    consumers: ['external'],
    summary,
    data,
  });
}
function testCommand<T extends TSchema>(name: string, data: T, summary: string) {
  return defineMessage({
    kind: 'command',
    service: 'worker',
    name,
    version: 1,
    producer: 'external',
    consumers: ['worker'],
    summary,
    data,
  });
}
const pingEvent = (t: string, version = 1) =>
  testEvent(`pinged_${t}`, PingData, 'Conformance suite ping.', version);
const pingCommand = (t: string) =>
  testCommand(`conformance_ping_${t}`, PingData, 'Conformance suite work item.');
function addRequest(t: string) {
  return defineMessage({
    kind: 'request',
    service: 'governance',
    name: `conformance_add_${t}`,
    version: 1,
    producer: 'external',
    consumers: ['governance'],
    summary: 'Conformance suite request.',
    data: AddData,
    reply: SumData,
  });
}

const DocumentData = Type.Object(
  { n: Type.Integer({ minimum: 0 }), text: Type.String({ maxLength: 4 * 1024 * 1024 }) },
  { additionalProperties: false },
);
type DocumentData = { n: number; text: string };
/** An event shaped like `blueprint.ingested`: a long text, as a large blueprint's events carry. */
const documentEvent = (t: string) =>
  testEvent(`documented_${t}`, DocumentData, 'Conformance suite large event.');
const documentCommand = (t: string) =>
  testCommand(`conformance_document_${t}`, DocumentData, 'Conformance suite large work item.');

/**
 * Past the 1 MiB `max_payload` most NATS servers keep (a 500k-word blueprint makes a ~12 MB
 * `blueprint.ingested`), well inside what a contract allows.
 */
const LARGE_BYTES = 3 * 1024 * 1024;

/**
 * About `bytes` of UTF-8 text that differs line by line and holds multi-byte characters, so a body
 * cut short, put back together in the wrong order or split inside a character cannot pass for it.
 */
function largeText(bytes: number, seed = 'blueprint'): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `§${i} ${seed}: the café’s schema — ☕ ${(i * 7919) % 10007}\n`;
    lines.push(line);
    size += Buffer.byteLength(line);
  }
  return lines.join('');
}

/** A raw envelope as an outside producer would write it. */
/** Stands in a raw body for a value too deep to build as an object (JSON.stringify would overflow). */
const DEEP_MARK = '__deep_arrays__';

function rawEnvelope(def: MessageDef, data: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: ulidSource().next(),
    type: def.type,
    source: 'conformance-raw',
    time: new Date().toISOString(),
    subject: def.subject,
    data,
    ...overrides,
  });
}

/** A gate a handler waits at until the test opens it: a slow handler without a guessed duration. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

/**
 * A payload published after what a test watches. Both buses hand a consumer its redeliveries and
 * duplicates before later messages, so once the marker is handled, an unwanted second delivery of
 * an earlier message would have shown up: the check ends on an event, not on a guessed pause.
 */
const MARKER = 999_999;

/**
 * A handler wrapper for tests that end on a MARKER: the marker's delivery is only noted, and
 * `flush` publishes it and waits until the consumer has handled it.
 */
function markerAware<P extends { n: number }>() {
  let handled = false;
  return {
    wrap:
      (handle: (d: Delivery<P>) => Promise<void>) =>
      async (d: Delivery<P>): Promise<void> => {
        if (d.payload.n === MARKER) {
          handled = true;
          return;
        }
        await handle(d);
      },
    async flush(bus: MessageBus, def: ReturnType<typeof pingEvent>, timeoutMs = 5000): Promise<void> {
      await bus.publish(def, { n: MARKER });
      await eventually(() => expect(handled).toBe(true), { timeoutMs });
    },
  };
}

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the suite hands `make`. */
export interface ConformanceBusOptions {
  /** The bus must report through this (its `BusLog` option). */
  readonly log: BusLog;
  /**
   * A fresh fake clock per test. A bus that schedules its own delays (redelivery backoff, request
   * timeouts) takes it as `clock` and `timers`; the suite then moves it instead of waiting.
   */
  readonly clock: FakeClock;
  /** The bus must take bodies up to this many bytes and refuse larger ones (its `maxMessageBytes`). */
  readonly maxMessageBytes: number;
}

/**
 * The cap the suite gives every bus: above LARGE_BYTES, so large messages pass, and small enough
 * that a test can publish past it.
 */
export const CONFORMANCE_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * What the suite needs of an adapter besides the port: publishing bytes as an outside integration
 * would (no validation on the way in), to prove what a consumer does with a bad message. Not part
 * of MessageBus: services never publish unvalidated bytes.
 */
export interface RawPublisher {
  publishRaw(subject: string, body: string, headers?: Record<string, string>): Promise<void>;
}

/** A bus the suite can test: the port plus raw publishing. */
export type ConformingBus = MessageBus & RawPublisher;

/** What `make` may return instead of a bare bus: the bus and how time passes for it. */
export interface BusUnderTest {
  readonly bus: ConformingBus;
  /**
   * Resolves once `ms` have passed on the clock the bus's delays run on. Default
   * `clock.advanceAsync(ms)`, for a bus on the suite's fake clock. A bus whose delays a server keeps
   * (JetStream: nak delays, ack wait) waits for that server's own clock to say so instead.
   */
  readonly passTime?: (ms: number) => Promise<void>;
}

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/**
 * The MessageBus guarantees both adapters keep (STYLE.md section 4). If a behaviour is not tested
 * here, callers cannot rely on it. `make` returns a fresh, connected bus per test, logging to the
 * `log` it is given. No test sleeps: time passes through `passTime` (see BusUnderTest), and a check
 * that something does not happen ends on an ordering signal (MARKER).
 */
export function messageBusConformance(
  name: string,
  make: (opts: ConformanceBusOptions) => Promise<ConformingBus | BusUnderTest>,
): void {
  describe(`${name} honours MessageBus`, () => {
    let bus: ConformingBus;
    let passTime: (ms: number) => Promise<void>;
    let logged: LogLine[] = [];
    beforeAll(() => ensureOtelContextManager());
    beforeEach(async () => {
      const lines: LogLine[] = [];
      logged = lines;
      const clock = new FakeClock();
      const made = await make({
        log: (level, msg, fields) => lines.push({ level, msg, fields: { ...fields } }),
        clock,
        maxMessageBytes: CONFORMANCE_MAX_MESSAGE_BYTES,
      });
      const underTest: BusUnderTest = 'bus' in made ? made : { bus: made };
      bus = underTest.bus;
      passTime = underTest.passTime ?? ((ms) => clock.advanceAsync(ms));
    });
    afterEach(async () => {
      await bus.close();
    });

    const deadLettersOf = async (consumer: string, n: number): Promise<DeadLetter[]> =>
      eventually(async () => {
        const letters = await bus.listDeadLetters({ consumer });
        expect(letters).toHaveLength(n);
        return letters;
      });
    /**
     * Waits for `n` deliveries in `counts`, letting `backoffMs` pass on the bus's clock after each
     * failed one. Waits for "at least": a bus on a real clock may already be further along.
     */
    const retriedThrough = async (counts: readonly number[], n: number, backoffMs: number): Promise<void> => {
      for (let seen = 1; seen < n; seen++) {
        await eventually(() => expect(counts.length).toBeGreaterThanOrEqual(seen));
        await passTime(backoffMs);
      }
      await eventually(() => expect(counts.length).toBeGreaterThanOrEqual(n));
    };
    /** The `message dead-lettered` lines of one consumer, once there are `n`. */
    const deadLetterLogsOf = async (consumer: string, n: number): Promise<LogLine[]> =>
      eventually(() => {
        const lines = logged.filter(
          (l) => l.msg === 'message dead-lettered' && l.fields.consumer === consumer,
        );
        expect(lines).toHaveLength(n);
        return lines;
      });

    describe('publish and subscribe', () => {
      it('delivers a published event with its envelope, once, and acks it', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: Delivery<{ n: number }>[] = [];
        await bus.subscribe(Ping, `c-${t}`, async (d) => {
          seen.push(d);
        });
        const sent = await bus.publish(Ping, { n: 1 }, { correlationId: 'run-1', projectId: 'p-1' });
        await bus.publish(Ping, { n: 2 });
        await eventually(() => expect(seen.map((d) => d.payload.n)).toEqual([1, 2]));
        // A marker published after: by the time it is handled, a second delivery of 1 or 2 would be too.
        await bus.publish(Ping, { n: MARKER });
        await eventually(() => expect(seen.map((d) => d.payload.n)).toContain(MARKER));
        expect(seen.map((d) => d.payload.n)).toEqual([1, 2, MARKER]);
        const first = seen[0]!;
        expect(first.id).toBe(sent.id);
        expect(first.deliveryCount).toBe(1);
        expect(first.envelope).toMatchObject({
          id: sent.id,
          type: Ping.type,
          subject: Ping.subject,
          correlationId: 'run-1',
          projectId: 'p-1',
          data: { n: 1 },
        });
      });

      it('gives a new consumer group the events published before it subscribed', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        await bus.publish(Ping, { n: 1 });
        await bus.publish(Ping, { n: 2 });
        const early: number[] = [];
        const late: number[] = [];
        await bus.subscribe(Ping, `early-${t}`, async (d) => {
          early.push(d.payload.n);
        });
        await eventually(() => expect(early).toEqual([1, 2]));
        await bus.publish(Ping, { n: 3 });
        await bus.subscribe(Ping, `late-${t}`, async (d) => {
          late.push(d.payload.n);
        });
        await eventually(() => expect(late).toEqual([1, 2, 3]));
        await eventually(() => expect(early).toEqual([1, 2, 3]));
      });

      it('delivers every event once to each consumer group', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const a: number[] = [];
        const b: number[] = [];
        await bus.subscribe(Ping, `a-${t}`, async (d) => {
          a.push(d.payload.n);
        });
        await bus.subscribe(Ping, `b-${t}`, async (d) => {
          b.push(d.payload.n);
        });
        for (let n = 0; n < 10; n++) await bus.publish(Ping, { n });
        await bus.publish(Ping, { n: MARKER });
        const all = [...[...Array(10).keys()], MARKER];
        await eventually(() => {
          expect([...a].sort((x, y) => x - y)).toEqual(all);
          expect([...b].sort((x, y) => x - y)).toEqual(all);
        });
      });

      it('shares one group between subscribers: each event handled once in total', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: number[] = [];
        const handler = async (d: Delivery<{ n: number }>) => {
          seen.push(d.payload.n);
        };
        await bus.subscribe(Ping, `shared-${t}`, handler);
        await bus.subscribe(Ping, `shared-${t}`, handler);
        for (let n = 0; n < 20; n++) await bus.publish(Ping, { n });
        await eventually(() => expect([...seen].sort((x, y) => x - y)).toEqual([...Array(20).keys()]));
        await bus.publish(Ping, { n: MARKER });
        await eventually(() => expect(seen).toContain(MARKER));
        expect(seen).toHaveLength(21);
      });

      it('drops a second publish of the same id (publish and publishEnvelope alike)', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: string[] = [];
        await bus.subscribe(Ping, `dedup-${t}`, async (d) => {
          seen.push(`${d.id}:${d.payload.n}`);
        });
        const first = await bus.publish(Ping, { n: 1 }, { id: `dup-${t}` });
        await bus.publish(Ping, { n: 2 }, { id: `dup-${t}` });
        await bus.publishEnvelope(first);
        await bus.publish(Ping, { n: 3 });
        await eventually(() => expect(seen).toHaveLength(2));
        expect(seen[0]).toBe(`dup-${t}:1`);
        expect(seen[1]).toMatch(/:3$/);
      });

      it('publishEnvelope sends the JSON it is handed as the body, not the envelope serialised again', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: number[] = [];
        await bus.subscribe(Ping, `json-${t}`, async (d) => {
          seen.push(d.payload.n);
        });
        const id = ulidSource().next();
        const envelope = JSON.parse(rawEnvelope(Ping, { n: 1 }, { id })) as Envelope;
        // A caller hands the envelope's own JSON (the outbox's); here it differs, to show which goes out.
        await bus.publishEnvelope(envelope, rawEnvelope(Ping, { n: 2 }, { id }));
        await bus.publish(Ping, { n: MARKER });
        await eventually(() => expect(seen).toContain(MARKER));
        expect(seen).toEqual([2, MARKER]);
      });

      it('refuses an invalid payload on publish with ContractViolationError', async () => {
        const Ping = pingEvent(tag());
        const publishing = bus.publish(Ping, { n: -1 });
        await expect(publishing).rejects.toBeInstanceOf(ContractViolationError);
        await expect(bus.publish(Ping, { n: 'x' } as never)).rejects.toMatchObject({
          code: 'CONTRACT_VIOLATION',
        });
      });

      it("hands handlers the publisher's headers without the bus's Nats-* ones", async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const id = ulidSource().next();
        const seen: Record<string, string>[] = [];
        await bus.subscribe(Ping, `raw-hdr-${t}`, async (d) => {
          seen.push({ ...d.headers });
        });
        await bus.publishRaw(Ping.subject, rawEnvelope(Ping, { n: 1 }, { id }), {
          'Nats-Msg-Id': id,
          'x-source': 'integration',
        });
        await eventually(() => expect(seen).toHaveLength(1));
        expect(seen[0]).toEqual({ 'x-source': 'integration' });
      });

      it('names the subject a message arrived on, whatever its envelope claims', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: { subject: string; claimed: string }[] = [];
        await bus.subscribe(Ping, `arrived-${t}`, async (d) => {
          seen.push({ subject: d.subject, claimed: d.envelope.subject });
        });
        await bus.publish(Ping, { n: 1 });
        await bus.publishRaw(Ping.subject, rawEnvelope(Ping, { n: 2 }, { subject: 'ap.v1.evt.other.thing' }));
        await eventually(() =>
          expect(seen).toEqual([
            { subject: Ping.subject, claimed: Ping.subject },
            { subject: Ping.subject, claimed: 'ap.v1.evt.other.thing' },
          ]),
        );
      });

      it('round-trips publish headers', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: Record<string, string>[] = [];
        await bus.subscribe(Ping, `hdr-${t}`, async (d) => {
          seen.push({ ...d.headers });
        });
        await bus.publish(Ping, { n: 1 }, { headers: { 'x-tenant': 'acme', 'x-request': 'r-1' } });
        await eventually(() => expect(seen).toHaveLength(1));
        expect(seen[0]).toMatchObject({ 'x-tenant': 'acme', 'x-request': 'r-1' });
      });

      it('carries the active trace into the handler (traceparent header and active context)', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
        const parent = trace.wrapSpanContext({
          traceId,
          spanId: '00f067aa0ba902b7',
          traceFlags: TraceFlags.SAMPLED,
        });
        const seen: { header?: string; active?: string; envelope?: string }[] = [];
        await bus.subscribe(Ping, `trace-${t}`, async (d) => {
          seen.push({
            header: d.headers.traceparent,
            active: trace.getSpanContext(context.active())?.traceId,
            envelope: d.envelope.traceparent,
          });
        });
        await context.with(trace.setSpan(context.active(), parent), () => bus.publish(Ping, { n: 1 }));
        await eventually(() => expect(seen).toHaveLength(1));
        expect(seen[0]!.header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
        expect(seen[0]!.envelope).toBe(seen[0]!.header);
        expect(seen[0]!.active).toBe(traceId);
      });
    });

    describe('redelivery and dead letters', () => {
      it('redelivers after a handler throws, counting deliveries 1, 2', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const counts: number[] = [];
        const marker = markerAware<{ n: number }>();
        await bus.subscribe(
          Ping,
          `retry-${t}`,
          marker.wrap(async (d) => {
            counts.push(d.deliveryCount);
            if (d.deliveryCount === 1) throw new Error('transient');
          }),
          { backoffMs: [50] },
        );
        await bus.publish(Ping, { n: 1 });
        await retriedThrough(counts, 2, 50);
        expect(counts).toEqual([1, 2]);
        await marker.flush(bus, Ping);
        expect(counts).toEqual([1, 2]);
      });

      it('waits a RetryLaterError delay instead of the backoff', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const counts: number[] = [];
        await bus.subscribe(
          Ping,
          `later-${t}`,
          async (d) => {
            counts.push(d.deliveryCount);
            if (d.deliveryCount === 1) throw new RetryLaterError(1000);
          },
          { backoffMs: [30_000] },
        );
        await bus.publish(Ping, { n: 1 });
        await eventually(() => expect(counts).toEqual([1]));
        await passTime(500);
        // Not before its delay...
        expect(counts).toEqual([1]);
        await passTime(500);
        // ...and then, long before the 30 s backoff.
        await eventually(() => expect(counts).toEqual([1, 2]), { timeoutMs: 5000 });
      });

      it('dead-letters a NonRetryableError at once with its reason, no redelivery', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const consumer = `nonretry-${t}`;
        const counts: number[] = [];
        const marker = markerAware<{ n: number }>();
        await bus.subscribe(
          Ping,
          consumer,
          marker.wrap(async (d) => {
            counts.push(d.deliveryCount);
            throw new NonRetryableError('the run no longer exists');
          }),
          { backoffMs: [20] },
        );
        const sent = await bus.publish(Ping, { n: 1 });
        const [letter] = await deadLettersOf(consumer, 1);
        expect(letter).toMatchObject({
          consumer,
          subject: Ping.subject,
          code: 'BUS_NON_RETRYABLE',
          deliveryCount: 1,
          message: { id: sent.id, data: { n: 1 } },
        });
        expect(letter!.reason).toContain('the run no longer exists');
        expect(Date.parse(letter!.at)).not.toBeNaN();
        const [line] = await deadLetterLogsOf(consumer, 1);
        expect(line).toMatchObject({
          level: 'warn',
          fields: { subject: Ping.subject, consumer, messageId: sent.id, code: 'BUS_NON_RETRYABLE' },
        });
        expect(line!.fields.reason).toContain('the run no longer exists');
        // Past the backoff a retry would have waited: its redelivery would be due before the marker.
        await passTime(20);
        await marker.flush(bus, Ping);
        expect(counts).toEqual([1]);
      });

      it('dead-letters a ContractViolationError thrown by a handler at once', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const consumer = `cv-${t}`;
        let calls = 0;
        const marker = markerAware<{ n: number }>();
        await bus.subscribe(
          Ping,
          consumer,
          marker.wrap(async () => {
            calls++;
            throw new ContractViolationError(Ping.type, [
              { path: '/data/n', rule: 'custom', detail: 'is odd', message: '/data/n is odd' },
            ]);
          }),
          { backoffMs: [20] },
        );
        await bus.publish(Ping, { n: 1 });
        const [letter] = await deadLettersOf(consumer, 1);
        expect(letter).toMatchObject({ code: 'CONTRACT_VIOLATION', deliveryCount: 1 });
        expect(letter!.reason).toContain('/data/n is odd');
        await passTime(20);
        await marker.flush(bus, Ping);
        expect(calls).toBe(1);
      });

      it('dead-letters after maxDeliveries failures with the last error as reason', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const consumer = `max-${t}`;
        const counts: number[] = [];
        const marker = markerAware<{ n: number }>();
        await bus.subscribe(
          Ping,
          consumer,
          marker.wrap(async (d) => {
            counts.push(d.deliveryCount);
            throw new Error(`boom ${d.deliveryCount}`);
          }),
          { maxDeliveries: 3, backoffMs: [20] },
        );
        await bus.publish(Ping, { n: 7 });
        await retriedThrough(counts, 3, 20);
        const [letter] = await deadLettersOf(consumer, 1);
        expect(letter).toMatchObject({
          code: 'BUS_MAX_DELIVERIES',
          deliveryCount: 3,
          message: { data: { n: 7 } },
        });
        expect(letter!.reason).toContain('boom 3');
        const [line] = await deadLetterLogsOf(consumer, 1);
        expect(line).toMatchObject({
          level: 'warn',
          fields: { code: 'BUS_MAX_DELIVERIES', deliveryCount: 3 },
        });
        await passTime(20);
        await marker.flush(bus, Ping);
        expect(counts).toEqual([1, 2, 3]);
        expect(await bus.listDeadLetters({ consumer })).toHaveLength(1);
      });

      // `secret` stands for a customer's data in the body: the dead letter keeps it, the log never.
      // `id` is the envelope id where the body has one.
      type Body = (def: MessageDef, secret: string, id: string) => string;
      it.each<[string, string, Body]>([
        ['malformed JSON', 'BUS_MALFORMED_ENVELOPE', (_def, secret) => `${secret}, {"id": "x", not json`],
        [
          'an envelope missing fields',
          'BUS_MALFORMED_ENVELOPE',
          (_def, secret) => JSON.stringify({ data: { note: secret } }),
        ],
        [
          'an unknown type',
          'BUS_UNKNOWN_TYPE',
          (def, secret, id) =>
            rawEnvelope(def, { n: 1, note: secret }, { id, type: 'conformance.something_else.v1' }),
        ],
        [
          'a wrong version',
          'BUS_WRONG_VERSION',
          (def, secret, id) =>
            rawEnvelope(def, { n: 1, note: secret }, { id, type: def.type.replace(/\.v1$/, '.v2') }),
        ],
        [
          'a payload breaking the contract',
          'CONTRACT_VIOLATION',
          (def, secret, id) => rawEnvelope(def, { n: -5, note: secret }, { id }),
        ],
        [
          'a payload breaking the contract 100,000 arrays deep',
          'CONTRACT_VIOLATION',
          (def, secret, id) =>
            rawEnvelope(def, { n: -5, note: secret, deep: DEEP_MARK }, { id }).replace(
              JSON.stringify(DEEP_MARK),
              `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
            ),
        ],
      ])('dead-letters %s (%s), logs it, and carries on with the next message', async (_what, code, body) => {
        const t = tag();
        const Ping = pingEvent(t);
        const consumer = `raw-${t}`;
        const secret = `secret_${t}`;
        const id = ulidSource().next();
        const seen: number[] = [];
        await bus.subscribe(Ping, consumer, async (d) => {
          seen.push(d.payload.n);
        });
        const sent = body(Ping, secret, id);
        await bus.publishRaw(Ping.subject, sent);
        await bus.publishRaw(Ping.subject, rawEnvelope(Ping, { n: 42 }));
        await bus.publish(Ping, { n: 43 });
        await eventually(() => expect(seen).toEqual([42, 43]));
        const [letter] = await deadLettersOf(consumer, 1);
        expect(letter).toMatchObject({ code, consumer, subject: Ping.subject, deliveryCount: 1 });
        expect(letter!.reason.length).toBeGreaterThan(0);
        expect(JSON.stringify(letter!.message)).toContain(secret);
        const [line] = await deadLetterLogsOf(consumer, 1);
        expect(line).toMatchObject({
          level: 'warn',
          fields: { subject: Ping.subject, consumer, code, reason: letter!.reason, deliveryCount: 1 },
        });
        expect(line!.fields.messageId).toBe(sent.includes(id) ? id : undefined);
        expect(JSON.stringify(line)).not.toContain(secret);
      });

      it('tells onDeadLetter of every dead letter it records, once the letter is recorded', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const consumer = `told-${t}`;
        const told: DeadLetter[] = [];
        const listed: number[] = [];
        await bus.subscribe(
          Ping,
          consumer,
          async () => {
            throw new NonRetryableError('refused');
          },
          {
            onDeadLetter: async (letter) => {
              listed.push((await bus.listDeadLetters({ consumer })).length);
              told.push(letter);
            },
          },
        );
        const sent = await bus.publish(Ping, { n: 1 }, { correlationId: `job-${t}` });
        await bus.publishRaw(Ping.subject, rawEnvelope(Ping, { n: -1 }, { correlationId: `job2-${t}` }));
        await eventually(() => expect(told).toHaveLength(2));
        expect(told[0]).toMatchObject({
          consumer,
          subject: Ping.subject,
          code: 'BUS_NON_RETRYABLE',
          message: { id: sent.id, correlationId: `job-${t}` },
        });
        // Refused by the bus before any handler ran: told all the same.
        expect(told[1]).toMatchObject({
          code: 'CONTRACT_VIOLATION',
          message: { correlationId: `job2-${t}` },
        });
        expect(listed[0]).toBeGreaterThanOrEqual(1);
      });

      it('dead-letters a body past maxMessageBytes without parsing it, naming size, cap and subject', async () => {
        const t = tag();
        const Doc = documentEvent(t);
        const consumer = `cap-${t}`;
        const seen: number[] = [];
        const told: DeadLetter[] = [];
        await bus.subscribe(
          Doc,
          consumer,
          async (d) => {
            seen.push(d.payload.n);
          },
          { onDeadLetter: async (letter) => void told.push(letter) },
        );
        // 3 bytes a character: past the cap, inside the contract.
        const text = '☕'.repeat(Math.ceil((CONFORMANCE_MAX_MESSAGE_BYTES + 1) / 3));
        const sent = await bus.publish(Doc, { n: 1, text }, { correlationId: `job-${t}` });
        const rawId = ulidSource().next();
        await bus.publishRaw(Doc.subject, rawEnvelope(Doc, { n: 2, text }), { 'Nats-Msg-Id': rawId });
        await bus.publish(Doc, { n: 3, text: 'small' });
        await eventually(() => expect(seen).toEqual([3]));
        const letters = await deadLettersOf(consumer, 2);
        for (const letter of letters) {
          expect(letter).toMatchObject({ code: 'BUS_PAYLOAD_TOO_LARGE', subject: Doc.subject, consumer });
          expect(letter.reason).toContain(Doc.subject);
          expect(letter.reason).toContain(String(CONFORMANCE_MAX_MESSAGE_BYTES));
          // Never the body: the letter names the message instead.
          expect(JSON.stringify(letter.message).length).toBeLessThan(4096);
        }
        // A message published whole names its envelope; a raw one at least its id.
        expect(letters[0]!.message).toMatchObject({ id: sent.id, correlationId: `job-${t}` });
        expect(letters[1]!.message).toMatchObject({ id: rawId });
        await eventually(() => expect(told).toHaveLength(2));
      });

      it('lists dead letters per consumer, oldest first', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        await bus.subscribe(Ping, `dl1-${t}`, async (d) => {
          throw new NonRetryableError(`no ${d.payload.n}`);
        });
        await bus.subscribe(Ping, `dl2-${t}`, async () => undefined);
        await bus.publish(Ping, { n: 1 });
        await bus.publish(Ping, { n: 2 });
        const letters = await deadLettersOf(`dl1-${t}`, 2);
        expect(letters.map((l) => (l.message as { data: { n: number } }).data.n)).toEqual([1, 2]);
        expect(await bus.listDeadLetters({ consumer: `dl1-${t}`, limit: 1 })).toHaveLength(1);
        expect(await bus.listDeadLetters({ consumer: `dl2-${t}` })).toEqual([]);
      });
    });

    describe('large messages', () => {
      // Several MB per message: the adapter may need a while to store and fetch each body.
      const timeoutMs = 20_000;

      it('delivers an event of several MB whole and once, with the envelope and headers a small one gets', async () => {
        const t = tag();
        const Doc = documentEvent(t);
        const text = largeText(LARGE_BYTES);
        const seen: Delivery<DocumentData>[] = [];
        await bus.subscribe(Doc, `large-${t}`, async (d) => {
          seen.push(d);
        });
        const opts = { headers: { 'x-tenant': 'acme' }, correlationId: 'job-1', projectId: 'p-1' };
        await bus.publish(Doc, { n: 1, text: 'a short one' }, opts);
        const sent = await bus.publish(Doc, { n: 2, text }, opts);
        // Handled after the large one: a second delivery of it would have come first.
        await bus.publish(Doc, { n: MARKER, text: '' });
        await eventually(() => expect(seen.map((d) => d.payload.n)).toEqual([1, 2, MARKER]), { timeoutMs });
        const [small, large] = seen;
        // Compared as booleans and lengths: a failed 3 MB toEqual would print a 3 MB diff.
        expect(large!.payload.text.length).toBe(text.length);
        expect(large!.payload.text === text).toBe(true);
        expect(large!.envelope.data.text === text).toBe(true);
        expect({ ...large!.envelope, data: undefined }).toEqual({ ...sent, data: undefined });
        expect(large!.id).toBe(sent.id);
        expect(large!.deliveryCount).toBe(1);
        expect(large!.headers).toEqual(small!.headers);
        expect(large!.headers).toMatchObject({ 'x-tenant': 'acme' });
      });

      it('delivers a command of several MB whole and once', async () => {
        const t = tag();
        const Work = documentCommand(t);
        const text = largeText(LARGE_BYTES, 'work item');
        const seen: Delivery<DocumentData>[] = [];
        await bus.subscribe(Work, `large-wq-${t}`, async (d) => {
          seen.push(d);
        });
        const sent = await bus.publish(Work, { n: 1, text });
        await bus.publish(Work, { n: MARKER, text: '' });
        await eventually(() => expect(seen.map((d) => d.payload.n)).toEqual([1, MARKER]), { timeoutMs });
        expect(seen[0]!.id).toBe(sent.id);
        expect(seen[0]!.deliveryCount).toBe(1);
        expect(seen[0]!.payload.text.length).toBe(text.length);
        expect(seen[0]!.payload.text === text).toBe(true);
      });

      it('drops a second large publish of the same id: the first body is the one delivered', async () => {
        const t = tag();
        const Doc = documentEvent(t);
        const first = largeText(LARGE_BYTES, 'first');
        const sent = await bus.publish(Doc, { n: 1, text: first }, { id: `dup-${t}` });
        await bus.publishEnvelope(sent);
        await bus.publish(Doc, { n: 2, text: largeText(LARGE_BYTES, 'second') }, { id: `dup-${t}` });
        await bus.publish(Doc, { n: MARKER, text: '' });
        // Subscribed after every publish, so the delivery cannot have raced ahead of the second one.
        const seen: Delivery<DocumentData>[] = [];
        await bus.subscribe(Doc, `large-dedup-${t}`, async (d) => {
          seen.push(d);
        });
        await eventually(() => expect(seen.map((d) => d.payload.n)).toEqual([1, MARKER]), { timeoutMs });
        expect(seen[0]!.id).toBe(`dup-${t}`);
        expect(seen[0]!.payload.text === first).toBe(true);
      });

      it('dead-letters a large message under its id', async () => {
        const t = tag();
        const Doc = documentEvent(t);
        const consumer = `large-dl-${t}`;
        await bus.subscribe(Doc, consumer, async () => {
          throw new NonRetryableError('too much to plan');
        });
        const sent = await bus.publish(Doc, { n: 1, text: largeText(LARGE_BYTES) });
        const [letter] = await eventually(
          async () => {
            const letters = await bus.listDeadLetters({ consumer });
            expect(letters).toHaveLength(1);
            return letters;
          },
          { timeoutMs },
        );
        expect(letter).toMatchObject({
          consumer,
          subject: Doc.subject,
          code: 'BUS_NON_RETRYABLE',
          deliveryCount: 1,
          message: { id: sent.id },
        });
      });
    });

    describe('work queues (commands)', () => {
      it('delivers each command to exactly one of two subscribers', async () => {
        const t = tag();
        const Work = pingCommand(t);
        const byA: number[] = [];
        const byB: number[] = [];
        await bus.subscribe(Work, `workers-${t}`, async (d) => {
          byA.push(d.payload.n);
        });
        await bus.subscribe(Work, `workers-${t}`, async (d) => {
          byB.push(d.payload.n);
        });
        for (let n = 0; n < 20; n++) await bus.publish(Work, { n });
        await eventually(() => expect([...byA, ...byB].sort((x, y) => x - y)).toEqual([...Array(20).keys()]));
        await bus.publish(Work, { n: MARKER });
        await eventually(() => expect([...byA, ...byB]).toContain(MARKER));
        expect(byA.length + byB.length).toBe(21);
      });

      it('keeps commands published before the first subscriber', async () => {
        const t = tag();
        const Work = pingCommand(t);
        await bus.publish(Work, { n: 1 });
        await bus.publish(Work, { n: 2 });
        const seen: number[] = [];
        await bus.subscribe(Work, `wq-late-${t}`, async (d) => {
          seen.push(d.payload.n);
        });
        await eventually(() => expect(seen).toEqual([1, 2]));
      });

      it('redelivers a failed command to the work queue', async () => {
        const t = tag();
        const Work = pingCommand(t);
        const counts: number[] = [];
        await bus.subscribe(
          Work,
          `wq-retry-${t}`,
          async (d) => {
            counts.push(d.deliveryCount);
            if (d.deliveryCount < 3) throw new Error('busy');
          },
          { backoffMs: [20] },
        );
        await bus.publish(Work, { n: 1 });
        await retriedThrough(counts, 3, 20);
        expect(counts).toEqual([1, 2, 3]);
      });

      it('binds one consumer name per command subject', async () => {
        const t = tag();
        const Work = pingCommand(t);
        await bus.subscribe(Work, `wq-owner-${t}`, async () => undefined);
        await expect(bus.subscribe(Work, `wq-other-${t}`, async () => undefined)).rejects.toBeInstanceOf(
          ConsumerConflictError,
        );
      });
    });

    describe('consumer names', () => {
      it('binds a consumer name to one subject', async () => {
        const t = tag();
        await bus.subscribe(pingEvent(t), `bound-${t}`, async () => undefined);
        await expect(
          bus.subscribe(pingEvent(`${t}_x`), `bound-${t}`, async () => undefined),
        ).rejects.toMatchObject({
          code: 'BUS_CONSUMER_CONFLICT',
        });
      });

      it('refuses subscribe() to a request and serve() of an event with WrongMessageKindError', async () => {
        const t = tag();
        await expect(
          bus.subscribe(addRequest(t) as MessageDef, `kind-${t}`, async () => undefined),
        ).rejects.toBeInstanceOf(WrongMessageKindError);
        await expect(bus.serve(pingEvent(t), async () => undefined as never)).rejects.toMatchObject({
          code: 'BUS_WRONG_MESSAGE_KIND',
        });
      });

      it('refuses names NATS cannot hold', async () => {
        await expect(
          bus.subscribe(pingEvent(tag()), 'manager.run', async () => undefined),
        ).rejects.toBeInstanceOf(InvalidConsumerNameError);
      });
    });

    describe('slow handlers', () => {
      it('keeps a running handler from redelivery past ackWait (working heartbeats)', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const counts: number[] = [];
        const marker = markerAware<{ n: number }>();
        const slow = gate();
        await bus.subscribe(
          Ping,
          `slow-${t}`,
          marker.wrap(async (d) => {
            counts.push(d.deliveryCount);
            d.working();
            await slow.wait();
          }),
          // 2 s: timer lag on a loaded machine stays well inside a quarter of it.
          { ackWaitMs: 2000, backoffMs: [20] },
        );
        await bus.publish(Ping, { n: 1 });
        await eventually(() => expect(counts).toEqual([1]));
        // Past one and a half ack waits: only the bus's own heartbeats keep it from redelivery.
        await passTime(3200);
        slow.open();
        // Handled only after the slow one (concurrency 1); a redelivery of it would come first.
        await marker.flush(bus, Ping, 8000);
        expect(counts).toEqual([1]);
      });

      it('runs up to `concurrency` handlers at once', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        let running = 0;
        let peak = 0;
        let started = 0;
        let finished = 0;
        const release: (() => void)[] = [];
        await bus.subscribe(
          Ping,
          `conc-${t}`,
          async () => {
            running++;
            started++;
            peak = Math.max(peak, running);
            await new Promise<void>((resolve) => release.push(resolve));
            running--;
            finished++;
          },
          { concurrency: 3 },
        );
        for (let n = 0; n < 5; n++) await bus.publish(Ping, { n });
        await eventually(() => expect(running).toBe(3));
        // One slot frees: exactly one more starts.
        release.shift()!();
        await eventually(() => expect(started).toBe(4));
        expect(peak).toBe(3);
        await eventually(() => {
          release.splice(0).forEach((r) => r());
          expect(finished).toBe(5);
        });
        expect(peak).toBe(3);
      });

      it('handles each message once when the handler takes a third of ackWait (nothing fetched ahead expires)', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        const seen: string[] = [];
        await bus.subscribe(
          Ping,
          `steady-${t}`,
          async (d) => {
            seen.push(`${d.payload.n}#${d.deliveryCount}`);
            await passTime(350);
          },
          { ackWaitMs: 1000 },
        );
        const ns = [...[...Array(8).keys()], MARKER];
        for (const n of ns) await bus.publish(Ping, { n });
        await eventually(() => expect(seen).toContain(`${MARKER}#1`), { timeoutMs: 15_000 });
        expect(seen).toEqual(ns.map((n) => `${n}#1`));
      });

      it('close() waits for an in-flight handler to finish', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        let started = false;
        let finished = false;
        const slow = gate();
        await bus.subscribe(Ping, `drain-${t}`, async () => {
          started = true;
          await slow.wait();
          finished = true;
        });
        await bus.publish(Ping, { n: 1 });
        await eventually(() => expect(started).toBe(true));
        let closed = false;
        const closing = bus.close().then(() => (closed = true));
        // close() has begun (it refuses new subscribers) and is still waiting for the handler.
        await expect(bus.subscribe(Ping, `drain-late-${t}`, async () => undefined)).rejects.toBeInstanceOf(
          BusUnavailableError,
        );
        expect(closed).toBe(false);
        slow.open();
        await closing;
        expect(finished).toBe(true);
      });
    });

    describe('shutdown', () => {
      it('shares one drain between sub.drain() and close() called together', async () => {
        const t = tag();
        const Ping = pingEvent(t);
        let started = false;
        let finished = 0;
        const slow = gate();
        const sub = await bus.subscribe(Ping, `drain-race-${t}`, async () => {
          started = true;
          await slow.wait();
          finished++;
        });
        await bus.publish(Ping, { n: 1 });
        await eventually(() => expect(started).toBe(true));
        const stopping = Promise.all([sub.drain(), bus.close(), sub.drain(), bus.close()]);
        slow.open();
        await stopping;
        expect(finished).toBe(1);
      });

      it('refuses subscribe() and serve() after close() with BusUnavailableError, publish with PublishFailedError', async () => {
        const t = tag();
        await bus.close();
        await expect(
          bus.subscribe(pingEvent(t), `closed-${t}`, async () => undefined),
        ).rejects.toBeInstanceOf(BusUnavailableError);
        await expect(bus.serve(addRequest(t), async () => ({ sum: 0 }))).rejects.toBeInstanceOf(
          BusUnavailableError,
        );
        await expect(bus.publish(pingEvent(t), { n: 1 })).rejects.toMatchObject({
          code: 'BUS_PUBLISH_FAILED',
        });
      });
    });

    describe('request/reply', () => {
      it('answers a request', async () => {
        const Add = addRequest(tag());
        await bus.serve(Add, async (p) => ({ sum: p.a + p.b }));
        await expect(bus.request(Add, { a: 2, b: 3 })).resolves.toEqual({ sum: 5 });
      });

      it('shares requests between responders of one definition', async () => {
        const Add = addRequest(tag());
        let calls = 0;
        const responder = async (p: { a: number; b: number }) => {
          calls++;
          return { sum: p.a + p.b };
        };
        await bus.serve(Add, responder);
        await bus.serve(Add, responder);
        const sums = await Promise.all([...Array(10).keys()].map((n) => bus.request(Add, { a: n, b: 1 })));
        expect(sums.map((s) => s.sum)).toEqual([...Array(10).keys()].map((n) => n + 1));
        expect(calls).toBe(10);
      });

      it('rejects with RequestTimeoutError past timeoutMs', async () => {
        const Add = addRequest(tag());
        const slow = gate();
        await bus.serve(Add, async (p) => {
          await slow.wait();
          return { sum: p.a + p.b };
        });
        const outcome = bus.request(Add, { a: 1, b: 1 }, { timeoutMs: 100 }).catch((err: unknown) => err);
        await passTime(100);
        expect(await outcome).toBeInstanceOf(RequestTimeoutError);
        // Answered late: the requester has gone, and the responder's drain still completes.
        slow.open();
      });

      it('rejects with NoRespondersError when nobody serves', async () => {
        const Add = addRequest(tag());
        await expect(bus.request(Add, { a: 1, b: 1 }, { timeoutMs: 2000 })).rejects.toBeInstanceOf(
          NoRespondersError,
        );
      });

      it("rejects with RemoteError carrying the responder's code", async () => {
        const Add = addRequest(tag());
        await bus.serve(Add, async () => {
          throw new CodedError('GOVERNANCE_BUDGET_EXCEEDED', 'daily cap reached');
        });
        const failing = bus.request(Add, { a: 1, b: 1 });
        await expect(failing).rejects.toBeInstanceOf(RemoteError);
        await expect(bus.request(Add, { a: 1, b: 1 })).rejects.toMatchObject({
          code: 'GOVERNANCE_BUDGET_EXCEEDED',
          message: expect.stringContaining('daily cap reached'),
        });
      });

      it('refuses an invalid reply as a contract violation', async () => {
        const Add = addRequest(tag());
        await bus.serve(Add, async () => ({ sum: 'five' }) as never);
        await expect(bus.request(Add, { a: 1, b: 1 })).rejects.toMatchObject({ code: 'CONTRACT_VIOLATION' });
      });

      it('refuses an invalid request payload before sending', async () => {
        const Add = addRequest(tag());
        await expect(bus.request(Add, { a: 'x' } as never)).rejects.toBeInstanceOf(ContractViolationError);
      });
    });
  });
}
