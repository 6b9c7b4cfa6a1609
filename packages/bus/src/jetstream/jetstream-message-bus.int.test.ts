import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { defineMessage } from '@autopilot/contracts';
import { NonRetryableError } from '@autopilot/kernel';
import { eventually, FakeClock, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import { BusUnavailableError, MalformedReplyError, RemoteError } from '../errors';
import type { BusLog } from '../log';
import type { DeadLetter, Delivery } from '../message-bus';
import { messageBusConformance } from '../testing';
import { serverClockPasses } from '../testing/fixtures/server-clock';
import { STALLED_CONSUMER, StalledWork } from '../testing/fixtures/stalled-command';
import { connectJetStreamBus, type JetStreamMessageBus } from './jetstream-message-bus';
import { PAYLOADS_BUCKET } from './payload-store';
import { PAYLOADS_STREAM, provisionStreams, streamConfigs, STREAMS } from './provisioning';

// One server per test file: the streams have fixed names, so files must not share a server's state.
// The shared suite runs against NATS_URL instead when it is set (it only adds uniquely named
// consumers); the extras below reconfigure streams and stop servers, so they always get their own.
let server: NatsServerHandle;
const conformanceServer = process.env.NATS_URL
  ? `NATS_URL ${process.env.NATS_URL}`
  : 'a nats-server of its own';
const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
const log: BusLog = (level, msg, fields) => {
  logs.push({ level, msg, fields });
};

const HANG_UNTIL_KILLED = resolve(__dirname, '../testing/fixtures/hang-until-killed.cjs');

/** A gate a handler waits at until the test opens it. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((done) => (open = done));
  return { wait: () => opened, open };
}

/** A server for one test that deletes streams or stops the server: the shared one stays intact. */
async function withOwnServer(test: (server: NatsServerHandle) => Promise<void>): Promise<void> {
  const own = await startNatsServer();
  try {
    await test(own);
  } finally {
    await own.stop();
  }
}

/**
 * Starts a consumer process for StalledWork and kills it with SIGKILL as soon as its handler has a
 * delivery: no drain, no nak, the delivery can only expire. Resolves with that delivery's count.
 */
async function killOnDelivery(url: string, maxDeliveries: number, ackWaitMs: number): Promise<number> {
  const child = spawn(process.execPath, [HANG_UNTIL_KILLED, url, String(maxDeliveries), String(ackWaitMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let delivered: number | undefined;
  let output = '';
  await new Promise<void>((done, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /^delivered (\d+)$/m.exec(output);
      if (m && delivered === undefined) {
        delivered = Number(m[1]);
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? done() : fail(new Error(`consumer exited by itself: ${output}`)),
    );
  });
  return delivered!;
}

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

// The bus keeps Node's timers: its delays (nak delays, ack wait) run on the server's clock, which no
// fake clock moves, so time passes when the server says it has.
messageBusConformance(`JetStreamMessageBus on ${conformanceServer}`, async ({ log, maxMessageBytes }) => {
  const bus = await connectJetStreamBus({
    servers: process.env.NATS_URL ?? server.url,
    source: 'conformance',
    log,
    maxMessageBytes,
    connectTimeoutMs: 5000,
  });
  return { bus, passTime: (ms) => serverClockPasses(bus.connection, ms) };
});

const Ping = defineMessage({
  kind: 'event',
  aggregate: 'jsextra',
  name: 'pinged',
  version: 1,
  producer: 'external',
  consumers: ['external'],
  summary: 'JetStream extras.',
  data: Type.Object({ n: Type.Integer() }),
});

const Work = defineMessage({
  kind: 'command',
  service: 'worker',
  name: 'jsextra_work',
  version: 1,
  producer: 'external',
  consumers: ['worker'],
  summary: 'JetStream extras work item.',
  data: Type.Object({ n: Type.Integer() }),
});

const Add = defineMessage({
  kind: 'request',
  service: 'governance',
  name: 'jsextra_add',
  version: 1,
  producer: 'external',
  consumers: ['governance'],
  summary: 'JetStream extras request.',
  data: Type.Object({ a: Type.Number(), b: Type.Number() }),
  reply: Type.Object({ sum: Type.Number() }),
});

describe('JetStreamMessageBus extras', () => {
  it('provisions the streams idempotently (twice, and over a second connection)', async () => {
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      await provisionStreams(jsm);
      await provisionStreams(jsm, { duplicateWindowMs: 60_000 });
      const work = await jsm.streams.info(STREAMS.work);
      expect(work.config.retention).toBe('workqueue');
      expect(work.config.subjects).toEqual(['ap.*.cmd.>']);
      expect(work.config.duplicate_window).toBe(60_000 * 1e6);
      const events = await jsm.streams.info(STREAMS.events);
      expect(events.config.retention).toBe('limits');
      expect(events.config.storage).toBe('file');
      expect((await jsm.streams.info(STREAMS.dlq)).config.subjects).toEqual(['ap.dlq.*']);
      await provisionStreams(jsm);
    } finally {
      await nc.close();
    }
  });

  it('publishes with Nats-Msg-Id = envelope id: JetStream flags the duplicate', async () => {
    const bus = await connectJetStreamBus({ servers: server.url, source: 'extras', log });
    const nc = await connect({ servers: server.url });
    try {
      const env = await bus.publish(Ping, { n: 1 }, { id: 'js-dedup-1' });
      const ack = await jetstream(nc).publish(Ping.subject, JSON.stringify(env), { msgID: env.id });
      expect(ack.duplicate).toBe(true);
      expect(ack.stream).toBe(STREAMS.events);
    } finally {
      await nc.close();
      await bus.close();
    }
  });

  it('close() acks what the in-flight handler finished: a new subscriber sees nothing again', async () => {
    const bus = await connectJetStreamBus({ servers: server.url, source: 'extras', log });
    const consumer = `drain-ack-${Date.now()}`;
    let started = false;
    let finished = 0;
    const slow = gate();
    // Ping's earlier events reach this new consumer first: only the last one is held.
    await bus.subscribe(Ping, consumer, async (d) => {
      if (d.payload.n !== 99) return;
      started = true;
      await slow.wait();
      finished++;
    });
    await bus.publish(Ping, { n: 99 });
    await eventually(() => expect(started).toBe(true));
    const info = await (await jetstreamManager(bus.connection)).consumers.info(STREAMS.events, consumer);
    expect(info.num_ack_pending).toBeGreaterThanOrEqual(1);
    // The handler finishes only once close() has begun: its ack must still go out.
    const closing = bus.close();
    slow.open();
    await closing;
    expect(finished).toBe(1);
    const nc = await connect({ servers: server.url });
    try {
      const info = await (await jetstreamManager(nc)).consumers.info(STREAMS.events, consumer);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it('retries the connection until the server comes up, logging each attempt', async () => {
    const late = await startNatsServer();
    let bus: JetStreamMessageBus | undefined;
    try {
      await late.kill('SIGKILL');
      const attempts: string[] = [];
      const connecting = connectJetStreamBus({
        servers: late.url,
        source: 'late',
        log: (level, msg) => {
          if (level === 'warn') attempts.push(msg);
        },
      });
      await eventually(() => expect(attempts.length).toBeGreaterThanOrEqual(2), { timeoutMs: 5000 });
      await late.restart();
      bus = await connecting;
      expect(attempts[0]).toMatch(/NATS unreachable, retrying in \d+ ms/);
      const seen: number[] = [];
      await bus.subscribe(Ping, 'late-consumer', async (d) => {
        seen.push(d.payload.n);
      });
      await bus.publish(Ping, { n: 5 });
      await eventually(() => expect(seen).toContain(5));
    } finally {
      await bus?.close();
      await late.stop();
    }
  });

  it('sends working() for a running handler on every heartbeat, scheduled on its timers', async () => {
    const clock = new FakeClock();
    const bus = await connectJetStreamBus({ servers: server.url, source: 'extras', log, timers: clock });
    const nc = await connect({ servers: server.url });
    const consumer = `heartbeat-${Date.now().toString(36)}`;
    const progress: string[] = [];
    // What the bus says about each delivery goes to `$JS.ACK...`, where anyone may listen.
    nc.subscribe(`$JS.ACK.${STREAMS.events}.${consumer}.>`, {
      callback: (_err, msg) => {
        progress.push(msg.string());
      },
    });
    await nc.flush();
    const slow = gate();
    // An event of its own: a new consumer of Ping would get every Ping retained before it, too.
    const Doc = docEvent();
    try {
      await bus.subscribe(Doc, consumer, () => slow.wait(), { ackWaitMs: 2000 });
      await bus.publish(Doc, { n: 1, text: 'slow' });
      await eventually(() => expect(clock.pendingTimers).toBe(1));
      await eventually(async () =>
        expect((await jetstreamManager(nc)).consumers.info(STREAMS.events, consumer)).resolves.toMatchObject({
          num_ack_pending: 1,
        }),
      );
      expect(progress).toEqual([]);
      // A quarter of the ack wait per beat: two beats, two `working()`.
      clock.advance(1000);
      await eventually(() => expect(progress).toEqual(['+WPI', '+WPI']));
      slow.open();
      await eventually(() => expect(progress).toEqual(['+WPI', '+WPI', '+ACK']));
      await bus.close();
      // The heartbeat stops with its subscription.
      expect(clock.pendingTimers).toBe(0);
    } finally {
      slow.open();
      await bus.close();
      await nc.close();
    }
  });

  it('stops connecting at once when its signal aborts: BusUnavailableError, no further retries', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    const lines: string[] = [];
    const abort = new AbortController();
    // The waits between attempts run on a fake clock: only this test moves it.
    const clock = new FakeClock();
    const connecting = connectJetStreamBus({
      servers: gone.url,
      source: 'aborted',
      signal: abort.signal,
      log: (_level, msg) => lines.push(msg),
      clock,
      timers: clock,
    });
    const outcome = connecting.catch((err: unknown) => err);
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    expect(lines).toEqual([expect.stringMatching(/retrying in 250 ms/)]);
    // Waiting out the first delay makes a second attempt: the loop runs on these timers.
    await clock.advanceAsync(250);
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    expect(lines).toEqual([expect.stringMatching(/in 250 ms/), expect.stringMatching(/in 500 ms/)]);
    abort.abort(new Error('shutting down'));
    // Rejected without the clock moving, so without waiting out the 500 ms retry delay.
    expect(await outcome).toBeInstanceOf(BusUnavailableError);
    expect(await outcome).toMatchObject({ cause: expect.objectContaining({ message: 'shutting down' }) });
    expect(clock.pendingTimers).toBe(0);
    // However far time goes now, nothing retries.
    await clock.advanceAsync(60_000);
    expect(lines).toHaveLength(2);
  });

  it('rejects at once with BusUnavailableError when the signal is aborted before connecting', async () => {
    const lines: string[] = [];
    await expect(
      connectJetStreamBus({
        servers: server.url,
        source: 'aborted-early',
        signal: AbortSignal.abort(),
        log: (_level, msg) => lines.push(msg),
      }),
    ).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
    expect(lines).toEqual([]);
  });

  it('close() with the server down closes the connection and rejects with BusUnavailableError', async () => {
    await withOwnServer(async (own) => {
      const bus = await connectJetStreamBus({ servers: own.url, source: 'down', log: () => undefined });
      await bus.subscribe(Ping, 'down-consumer', async () => undefined);
      await own.kill('SIGKILL');
      await expect(bus.close()).rejects.toBeInstanceOf(BusUnavailableError);
      expect(bus.connection.isClosed()).toBe(true);
      // Memoised: a second close() reports the same outcome rather than hanging.
      await expect(bus.close()).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
    });
  });

  it('keeps a message whose last dead letter cannot be written, and records it once AP_DLQ is back', async () => {
    await withOwnServer(async (own) => {
      const lines: { level: string; msg: string }[] = [];
      const bus = await connectJetStreamBus({
        servers: own.url,
        source: 'dlq-down',
        log: (level, msg) => lines.push({ level, msg }),
      });
      const nc = await connect({ servers: own.url });
      try {
        const jsm = await jetstreamManager(nc);
        // AP_DLQ unavailable (being recreated, out of space) when the last delivery fails.
        await jsm.streams.delete(STREAMS.dlq);
        const counts: number[] = [];
        await bus.subscribe(
          Ping,
          'dlq-down-consumer',
          async (d) => {
            counts.push(d.deliveryCount);
            throw new Error(`boom ${d.deliveryCount}`);
          },
          { maxDeliveries: 2, backoffMs: [50] },
        );
        const sent = await bus.publish(Ping, { n: 1 });
        await eventually(() =>
          expect(
            lines.filter((l) => l.msg.startsWith('dead letter not recorded')).length,
          ).toBeGreaterThanOrEqual(2),
        );
        expect(counts).toEqual([1, 2]);
        await provisionStreams(jsm);
        const [letter] = await eventually(
          async () => {
            const letters = await bus.listDeadLetters({ consumer: 'dlq-down-consumer' });
            expect(letters).toHaveLength(1);
            return letters;
          },
          { timeoutMs: 10_000 },
        );
        expect(letter).toMatchObject({
          code: 'BUS_MAX_DELIVERIES',
          deliveryCount: 2,
          message: { id: sent.id, data: { n: 1 } },
        });
        await eventually(async () => {
          const info = await jsm.consumers.info(STREAMS.events, 'dlq-down-consumer');
          expect([info.num_ack_pending, info.num_pending]).toEqual([0, 0]);
        });
        // Past maxDeliveries the handler is never called again: the adapter dead-letters on receipt.
        expect(counts).toEqual([1, 2]);
      } finally {
        await nc.close();
        await bus.close();
      }
    });
  });

  it('removes a dead-lettered command from the work queue', async () => {
    const bus = await connectJetStreamBus({ servers: server.url, source: 'extras', log });
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      await bus.publish(Work, { n: 1 });
      const stored = await jsm.streams.getMessage(STREAMS.work, { last_by_subj: Work.subject });
      expect(stored).not.toBeNull();
      await bus.subscribe(Work, 'jsextra-worker', async () => {
        throw new NonRetryableError('cannot run');
      });
      await eventually(async () =>
        expect(await bus.listDeadLetters({ consumer: 'jsextra-worker' })).toHaveLength(1),
      );
      await eventually(async () =>
        expect(await jsm.streams.getMessage(STREAMS.work, { seq: stored!.seq })).toBeNull(),
      );
    } finally {
      await nc.close();
      await bus.close();
    }
  });

  it("leaves an existing stream's replicas and limits alone, adding only what it lacks", async () => {
    await withOwnServer(async (own) => {
      const nc = await connect({ servers: own.url });
      try {
        const jsm = await jetstreamManager(nc);
        // As an operator would set them up: a retention age and a size cap, a legacy subject.
        await jsm.streams.add({
          name: STREAMS.events,
          subjects: ['ap.*.evt.>'],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          max_age: nanos(3_600_000),
          max_bytes: 64 * 1024 * 1024,
        });
        await jsm.streams.add({
          name: STREAMS.work,
          subjects: ['legacy.cmd.>'],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
        });
        await provisionStreams(jsm);
        await provisionStreams(jsm, { eventsMaxAgeMs: 0, replicas: 1 });
        const events = (await jsm.streams.info(STREAMS.events)).config;
        expect(events.max_age).toBe(nanos(3_600_000));
        expect(events.max_bytes).toBe(64 * 1024 * 1024);
        const work = (await jsm.streams.info(STREAMS.work)).config;
        expect(work.subjects).toEqual(['legacy.cmd.>', 'ap.*.cmd.>']);
        expect((await jsm.streams.info(STREAMS.dlq)).config.subjects).toEqual(['ap.dlq.*']);
        // New streams take the options: a cluster asks for three replicas.
        expect(streamConfigs({ replicas: 3 }).map((c) => c.num_replicas)).toEqual([3, 3, 3]);
      } finally {
        await nc.close();
      }
    });
  });

  it('turns driver failures into typed errors: a consumer on a missing stream, a reply not in the wire format', async () => {
    await withOwnServer(async (own) => {
      const bus = await connectJetStreamBus({ servers: own.url, source: 'typed', log: () => undefined });
      const nc = await connect({ servers: own.url });
      try {
        await (await jetstreamManager(nc)).streams.delete(STREAMS.events);
        const subscribing = bus.subscribe(Ping, 'typed-consumer', async () => undefined);
        await expect(subscribing).rejects.toBeInstanceOf(BusUnavailableError);
        await expect(subscribing).rejects.toMatchObject({ cause: expect.anything() });

        let reply = 'not json';
        nc.subscribe(Add.subject, {
          callback: (_err, msg) => {
            msg.respond(reply);
          },
        });
        await nc.flush();
        await expect(bus.request(Add, { a: 1, b: 2 })).rejects.toBeInstanceOf(MalformedReplyError);
        reply = JSON.stringify({ sum: 3 });
        await expect(bus.request(Add, { a: 1, b: 2 })).rejects.toMatchObject({ code: 'BUS_MALFORMED_REPLY' });
      } finally {
        await nc.close();
        await bus.close();
      }
    });
  });

  it('gives up with BusUnavailableError after connectTimeoutMs', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    await expect(
      connectJetStreamBus({ servers: gone.url, source: 'x', log: () => undefined, connectTimeoutMs: 600 }),
    ).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
  });

  it('dead-letters a command whose every delivery expired on ack wait (its consumer killed each time)', async () => {
    const maxDeliveries = 2;
    const ackWaitMs = 500;
    const bus = await connectJetStreamBus({ servers: server.url, source: 'extras', log });
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      const sent = await bus.publish(StalledWork, { n: 7 });
      const stored = await jsm.streams.getMessage(STREAMS.work, { last_by_subj: StalledWork.subject });
      expect(stored?.json<{ id: string }>().id).toBe(sent.id);
      const seq = stored!.seq;

      expect(await killOnDelivery(server.url, maxDeliveries, ackWaitMs)).toBe(1);
      expect(await killOnDelivery(server.url, maxDeliveries, ackWaitMs)).toBe(2);
      // The replica that survives gets delivery 3, past maxDeliveries: it dead-letters it on receipt.
      const handled: number[] = [];
      await bus.subscribe(
        StalledWork,
        STALLED_CONSUMER,
        async (d) => {
          handled.push(d.deliveryCount);
        },
        { maxDeliveries, ackWaitMs },
      );

      const [letter] = await eventually(
        async () => {
          const letters = await bus.listDeadLetters({ consumer: STALLED_CONSUMER });
          expect(letters).toHaveLength(1);
          return letters;
        },
        { timeoutMs: 10_000 },
      );
      expect(letter).toMatchObject({
        code: 'BUS_MAX_DELIVERIES',
        consumer: STALLED_CONSUMER,
        subject: StalledWork.subject,
        deliveryCount: 2,
        message: { id: sent.id, data: { n: 7 } },
      });
      expect(letter!.reason).toContain('ack wait');
      // Dead-lettered and terminated, so gone from the work queue; never handed to a handler again.
      await eventually(async () => expect(await jsm.streams.getMessage(STREAMS.work, { seq })).toBeNull());
      expect(logs).toContainEqual({
        level: 'warn',
        msg: 'message dead-lettered',
        fields: expect.objectContaining({
          consumer: STALLED_CONSUMER,
          messageId: sent.id,
          code: 'BUS_MAX_DELIVERIES',
          streamSequence: seq,
        }),
      });
      expect(handled).toEqual([]);
      // One dead letter per message: every attempt at it uses the msgID <consumer>:<stream>:<seq>.
      expect(await bus.listDeadLetters({ consumer: STALLED_CONSUMER })).toHaveLength(1);
    } finally {
      await nc.close();
      await bus.close();
    }
  });
});

const DocData = Type.Object({ n: Type.Integer(), text: Type.String() });
type DocData = { n: number; text: string };
let docs = 0;
/** A fresh event per test: AP_EVENTS keeps every test's history, and a new consumer reads it all. */
function docEvent() {
  docs += 1;
  return defineMessage({
    kind: 'event',
    aggregate: 'jsextra',
    name: `documented_${Date.now().toString(36)}_${docs}`,
    version: 1,
    producer: 'external',
    consumers: ['external'],
    summary: 'JetStream extras: a body of any size.',
    data: DocData,
  });
}

const Echo = defineMessage({
  kind: 'request',
  service: 'governance',
  name: 'jsextra_echo',
  version: 1,
  producer: 'external',
  consumers: ['governance'],
  summary: 'JetStream extras request of any size.',
  data: Type.Object({ text: Type.String(), times: Type.Integer({ minimum: 1 }) }),
  reply: Type.Object({ text: Type.String() }),
});

describe('JetStreamMessageBus claim check', () => {
  /** Bodies past this many bytes are claim-checked in these tests: no megabytes needed. */
  const LIMIT = 2048;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let objects: ObjectStore;
  beforeAll(async () => {
    nc = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
    await provisionStreams(jsm);
    objects = await new Objm(nc).open(PAYLOADS_BUCKET);
  });
  afterAll(async () => {
    await nc?.close();
  });

  const smallLimitBus = (lines: typeof logs = logs) =>
    connectJetStreamBus({
      servers: server.url,
      source: 'claim-check',
      log: (level, msg, fields) => lines.push({ level, msg, fields }),
      maxInlineBytes: LIMIT,
    });
  /** The message a subject last stored in AP_EVENTS, as the stream holds it. */
  const lastStored = async (subject: string): Promise<StoredMsg> =>
    (await jsm.streams.getMessage(STREAMS.events, { last_by_subj: subject }))!;
  /** The object name a stub's `Ap-Payload` header points at. */
  const objectOf = (stub: StoredMsg): string => {
    const ref = stub.header.get('Ap-Payload');
    expect(ref.startsWith(`${PAYLOADS_BUCKET}/`)).toBe(true);
    return ref.slice(PAYLOADS_BUCKET.length + 1);
  };
  const deadLettersOf = (bus: JetStreamMessageBus, consumer: string): Promise<DeadLetter[]> =>
    eventually(async () => {
      const letters = await bus.listDeadLetters({ consumer });
      expect(letters).toHaveLength(1);
      return letters;
    });

  it('claim-checks a body one byte over maxInlineBytes: the stream holds an empty stub, the handler the whole body', async () => {
    const Doc = docEvent();
    const bus = await smallLimitBus();
    try {
      // Ids of one length and one-digit n: every envelope's size is the empty one's plus its text.
      const empty = await bus.publish(Doc, { n: 0, text: '' }, { id: `${Doc.name}-0` });
      const base = Buffer.byteLength(JSON.stringify(empty));
      await bus.publish(Doc, { n: 1, text: 'a'.repeat(LIMIT - base) }, { id: `${Doc.name}-1` });
      const inline = await lastStored(Doc.subject);
      expect(inline.data.length).toBe(LIMIT);
      expect(inline.header.has('Ap-Payload')).toBe(false);

      const text = 'b'.repeat(LIMIT - base + 1);
      const over = await bus.publish(Doc, { n: 2, text }, { id: `${Doc.name}-2` });
      const stub = await lastStored(Doc.subject);
      // The stub's body is the envelope's head, never its data.
      expect(JSON.parse(stub.string())).toMatchObject({ id: over.id, type: Doc.type, subject: Doc.subject });
      expect(stub.string()).not.toContain('"data"');
      expect(stub.header.get('Nats-Msg-Id')).toBe(over.id);
      expect(stub.header.get('Ap-Payload-Bytes')).toBe(String(LIMIT + 1));
      const name = objectOf(stub);
      expect(name.startsWith(`${over.id}/`)).toBe(true);
      expect((await objects.info(name))?.size).toBe(LIMIT + 1);

      const seen: Delivery<DocData>[] = [];
      await bus.subscribe(Doc, `cc-${Doc.name}`, async (d) => {
        seen.push(d);
      });
      await eventually(() => expect(seen.map((d) => d.payload.n)).toEqual([0, 1, 2]));
      expect(seen[2]!.payload.text).toBe(text);
      expect(seen[2]!.envelope).toEqual(over);
      expect(seen[2]!.deliveryCount).toBe(1);
      // No claim-check headers reach the handler: it sees what an inline delivery sees.
      expect(seen[2]!.headers).toEqual(seen[1]!.headers);
    } finally {
      await bus.close();
    }
  });

  it('delivers a claim-checked envelope published three times once, from one stored object', async () => {
    const Doc = docEvent();
    const bus = await smallLimitBus();
    try {
      const sent = await bus.publish(Doc, { n: 1, text: 'c'.repeat(3 * LIMIT) });
      await bus.publishEnvelope(sent);
      await bus.publishEnvelope(sent);
      await bus.publish(Doc, { n: 2, text: 'marker' });
      const seen: number[] = [];
      await bus.subscribe(Doc, `cc-dup-${Doc.name}`, async (d) => {
        seen.push(d.payload.n);
      });
      await eventually(() => expect(seen).toEqual([1, 2]));
      const stored = await objects.list();
      expect(stored.filter((o) => o.name.startsWith(`${sent.id}/`))).toHaveLength(1);
    } finally {
      await bus.close();
    }
  });

  it('dead-letters a stub whose object is gone (BUS_PAYLOAD_MISSING) without retries, and carries on', async () => {
    const Doc = docEvent();
    const lines: typeof logs = [];
    const bus = await smallLimitBus(lines);
    const consumer = `cc-missing-${Doc.name}`;
    try {
      const secret = `secret_${Doc.name}_${'s'.repeat(LIMIT)}`;
      const sent = await bus.publish(Doc, { n: 1, text: secret });
      const name = objectOf(await lastStored(Doc.subject));
      await objects.delete(name);
      const handled: number[] = [];
      await bus.subscribe(
        Doc,
        consumer,
        async (d) => {
          handled.push(d.payload.n);
        },
        { backoffMs: [20] },
      );
      await bus.publish(Doc, { n: 2, text: 'next' });
      await eventually(() => expect(handled).toEqual([2]));
      const [letter] = await deadLettersOf(bus, consumer);
      expect(letter).toMatchObject({
        code: 'BUS_PAYLOAD_MISSING',
        consumer,
        subject: Doc.subject,
        deliveryCount: 1,
      });
      // Unfetched, it is still named: the stub carries the envelope's head.
      expect(letter!.message).toMatchObject({
        id: sent.id,
        type: Doc.type,
        subject: Doc.subject,
        claimCheck: { bucket: PAYLOADS_BUCKET, name, bytes: Buffer.byteLength(JSON.stringify(sent)) },
      });
      expect(letter!.reason).toContain(`no object ${name} in bucket ${PAYLOADS_BUCKET}`);
      expect(JSON.stringify(letter)).not.toContain('secret_');
      expect(lines).toContainEqual({
        level: 'warn',
        msg: 'message dead-lettered',
        fields: expect.objectContaining({ consumer, messageId: sent.id, code: 'BUS_PAYLOAD_MISSING' }),
      });
      const info = await jsm.consumers.info(STREAMS.events, consumer);
      expect([info.num_ack_pending, info.num_pending, info.num_redelivered]).toEqual([0, 0, 0]);
    } finally {
      await bus.close();
    }
  });

  it("dead-letters a claim-checked message with its envelope's head and where its body is, never the body", async () => {
    const Doc = docEvent();
    const bus = await smallLimitBus();
    const consumer = `cc-dead-${Doc.name}`;
    try {
      await bus.subscribe(Doc, consumer, async () => {
        throw new NonRetryableError('cannot plan this');
      });
      const text = `secret_${'t'.repeat(LIMIT)}`;
      const sent = await bus.publish(Doc, { n: 1, text }, { correlationId: 'job-7' });
      const name = objectOf(await lastStored(Doc.subject));
      const [letter] = await deadLettersOf(bus, consumer);
      const { data: _data, ...head } = sent;
      expect(letter).toMatchObject({ code: 'BUS_NON_RETRYABLE', deliveryCount: 1 });
      expect(letter!.message).toEqual({
        ...head,
        claimCheck: { bucket: PAYLOADS_BUCKET, name, bytes: Buffer.byteLength(JSON.stringify(sent)) },
      });
      expect(JSON.stringify(letter)).not.toContain('secret_');
      // The body stays where the dead letter says, for an operator to re-publish it.
      const body = await objects.getBlob(name);
      expect(JSON.parse(new TextDecoder().decode(body!))).toEqual(sent);
    } finally {
      await bus.close();
    }
  });

  it('stores the body of an inline message whose dead letter would not fit in one message', async () => {
    const Doc = docEvent();
    const bus = await smallLimitBus();
    const consumer = `cc-fit-${Doc.name}`;
    try {
      const reason = `refused: ${'r'.repeat(LIMIT / 2)}`;
      await bus.subscribe(Doc, consumer, async () => {
        throw new NonRetryableError(reason);
      });
      // Inline (under LIMIT), but with the reason beside it the dead letter is over LIMIT.
      const sent = await bus.publish(Doc, { n: 1, text: 'd'.repeat(LIMIT - 600) });
      expect((await lastStored(Doc.subject)).header.has('Ap-Payload')).toBe(false);
      const [letter] = await deadLettersOf(bus, consumer);
      expect(letter!.reason).toContain(reason);
      const { data: _data, ...head } = sent;
      expect(letter!.message).toMatchObject({ ...head, claimCheck: { bucket: PAYLOADS_BUCKET } });
      expect(letter!.message).not.toHaveProperty('data');
      const { claimCheck } = letter!.message as { claimCheck: { name: string; bytes: number } };
      const body = await objects.getBlob(claimCheck.name);
      expect(body!.length).toBe(claimCheck.bytes);
      expect(JSON.parse(new TextDecoder().decode(body!))).toEqual(sent);
    } finally {
      await bus.close();
    }
  });

  it('retries a delivery whose body cannot be read for now, and hands it over once the store is back', async () => {
    await withOwnServer(async (own) => {
      const Doc = docEvent();
      const bus = await connectJetStreamBus({
        servers: own.url,
        source: 'flaky-store',
        log: () => undefined,
        maxInlineBytes: LIMIT,
      });
      const ownNc = await connect({ servers: own.url });
      try {
        const ownJsm = await jetstreamManager(ownNc);
        const text = 'f'.repeat(2 * LIMIT);
        const sent = await bus.publish(Doc, { n: 1, text });
        const stub = (await ownJsm.streams.getMessage(STREAMS.events, { last_by_subj: Doc.subject }))!;
        const name = objectOf(stub);
        const body = await (await new Objm(ownNc).open(PAYLOADS_BUCKET)).getBlob(name);
        // The bucket unavailable (being restored, say): reading it fails, unlike a missing object.
        await ownJsm.streams.delete(PAYLOADS_STREAM);
        const handled: Delivery<DocData>[] = [];
        const handle = async (d: Delivery<DocData>) => {
          handled.push(d);
        };
        const opts = { backoffMs: [20], maxDeliveries: 1000 };
        const sub = await bus.subscribe(Doc, 'flaky-store', handle, opts);
        await eventually(async () =>
          expect(
            (await ownJsm.consumers.info(STREAMS.events, 'flaky-store')).delivered.consumer_seq,
          ).toBeGreaterThanOrEqual(3),
        );
        // The bus must not read the bucket while it comes back still empty (that is a missing
        // object, dead-lettered), so the message is held elsewhere meanwhile: a pull of our own on
        // the same consumer takes its next redelivery and keeps it unacknowledged. It is opened
        // before the bus lets go, so the consumer always has a live pull: nats-server 2.9.10 sends
        // a redelivery that falls due while every waiting pull belongs to a subscriber that has
        // gone as a first delivery (deliveryCount 1), and this test once did exactly that
        // (drain, then ~20 ms of provisioning against a 20 ms backoff).
        const holder = await jetstream(ownNc).consumers.get(STREAMS.events, 'flaky-store');
        const holding = holder.next({ expires: 30_000 });
        // The server has the pull once it answers a ping sent after it.
        await ownNc.flush();
        await sub.drain();
        const held = await holding;
        expect(held?.info.deliveryCount).toBeGreaterThanOrEqual(3);
        await provisionStreams(ownJsm);
        await (await new Objm(ownNc).open(PAYLOADS_BUCKET)).putBlob({ name }, body);
        await bus.subscribe(Doc, 'flaky-store', handle, opts);
        // Handed back now that the bus pulls again: it comes straight back to the bus.
        held!.nak();
        await eventually(() => expect(handled).toHaveLength(1));
        expect(handled[0]!.id).toBe(sent.id);
        expect(handled[0]!.payload.text).toBe(text);
        expect(handled[0]!.deliveryCount).toBe(held!.info.deliveryCount + 1);
        expect(await bus.listDeadLetters({ consumer: 'flaky-store' })).toEqual([]);
      } finally {
        await ownNc.close();
        await bus.close();
      }
    });
  });

  it('provisions AP_PAYLOADS once across connects, with the TTL of the events, never lowered later', async () => {
    await withOwnServer(async (own) => {
      const week = 7 * 24 * 3_600_000;
      const lines: typeof logs = [];
      const first = await connectJetStreamBus({
        servers: own.url,
        source: 'first',
        log: () => undefined,
        eventsMaxAgeMs: week,
      });
      const second = await connectJetStreamBus({
        servers: own.url,
        source: 'second',
        log: (level, msg, fields) => lines.push({ level, msg, fields }),
        payloadsMaxAgeMs: 60_000,
        maxInlineBytes: LIMIT,
      });
      const ownNc = await connect({ servers: own.url });
      try {
        const ownJsm = await jetstreamManager(ownNc);
        const buckets = (await ownJsm.streams.names().next()).filter((n) => n.startsWith('OBJ_'));
        expect(buckets).toEqual([PAYLOADS_STREAM]);
        const bucket = await ownJsm.streams.info(PAYLOADS_STREAM);
        expect(bucket.config.max_age).toBe(nanos(week));
        expect(bucket.config.storage).toBe('file');
        expect(lines.filter((l) => l.msg.startsWith('payload bucket'))).toEqual([]);
        // Both buses read the one bucket: what the second claim-checks, the first delivers.
        const Doc = docEvent();
        const seen: string[] = [];
        await first.subscribe(Doc, 'two-connects', async (d) => {
          seen.push(d.payload.text);
        });
        await second.publish(Doc, { n: 1, text: 'g'.repeat(2 * LIMIT) });
        await eventually(() => expect(seen).toEqual(['g'.repeat(2 * LIMIT)]));
      } finally {
        await ownNc.close();
        await second.close();
        await first.close();
      }
    });
  });

  it('reports an existing bucket that would expire bodies before their events, and leaves it alone', async () => {
    await withOwnServer(async (own) => {
      const ownNc = await connect({ servers: own.url });
      const lines: typeof logs = [];
      try {
        await new Objm(ownNc).create(PAYLOADS_BUCKET, { ttl: nanos(3_600_000) });
        const bus = await connectJetStreamBus({
          servers: own.url,
          source: 'short-ttl',
          log: (level, msg, fields) => lines.push({ level, msg, fields }),
        });
        await bus.close();
        const bucket = await (await jetstreamManager(ownNc)).streams.info(PAYLOADS_STREAM);
        expect(bucket.config.max_age).toBe(nanos(3_600_000));
        expect(lines).toContainEqual({
          level: 'warn',
          msg: 'payload bucket expires bodies before their events',
          fields: { bucket: PAYLOADS_BUCKET, ttlMs: 3_600_000, eventsMaxAgeMs: 0 },
        });
      } finally {
        await ownNc.close();
      }
    });
  });

  it('refuses a request or a reply too large for the server with BUS_PUBLISH_FAILED, naming subject and sizes', async () => {
    const bus = await connectJetStreamBus({ servers: server.url, source: 'extras', log });
    try {
      await bus.serve(Echo, async (p) => ({ text: p.text.repeat(p.times) }));
      const request = bus.request(Echo, { text: 'q'.repeat(2 * 1024 * 1024), times: 1 });
      await expect(request).rejects.toMatchObject({
        code: 'BUS_PUBLISH_FAILED',
        subject: Echo.subject,
        message: expect.stringMatching(/the request is \d+ bytes; request\/reply carries at most \d+/),
      });
      // 600 kB asked for, 1.8 MB answered: the requester hears why instead of timing out.
      const reply = bus.request(Echo, { text: 'r'.repeat(600_000), times: 3 });
      await expect(reply).rejects.toBeInstanceOf(RemoteError);
      await expect(bus.request(Echo, { text: 'r'.repeat(600_000), times: 3 })).rejects.toMatchObject({
        code: 'BUS_PUBLISH_FAILED',
        message: expect.stringMatching(/the reply is 18\d{5} bytes/),
      });
      await expect(bus.request(Echo, { text: 'ok', times: 2 })).resolves.toEqual({ text: 'okok' });
    } finally {
      await bus.close();
    }
  });

  describe('maxMessageBytes', () => {
    const CAP = 64 * 1024;
    const cappedBus = (lines: typeof logs = logs) =>
      connectJetStreamBus({
        servers: server.url,
        source: 'claim-check',
        log: (level, msg, fields) => lines.push({ level, msg, fields }),
        maxInlineBytes: LIMIT,
        maxMessageBytes: CAP,
      });
    /** A stub as a raw client sends one: any headers, pointing at any object. */
    const publishStub = async (subject: string, name: string, bytes: number, id: string) => {
      const headers = natsHeaders();
      headers.set('Ap-Payload', `${PAYLOADS_BUCKET}/${name}`);
      headers.set('Ap-Payload-Bytes', String(bytes));
      await jetstream(nc).publish(subject, new Uint8Array(0), { msgID: id, headers });
    };

    it('refuses a body its Ap-Payload-Bytes says is past the cap before fetching anything (480 MB)', async () => {
      const Doc = docEvent();
      const bus = await cappedBus();
      const consumer = `cap-header-${Doc.name}`;
      try {
        const handled: number[] = [];
        await bus.subscribe(Doc, consumer, async (d) => void handled.push(d.payload.n));
        // No such object: had the bus tried to fetch it, the letter would say BUS_PAYLOAD_MISSING.
        await publishStub(Doc.subject, `never-stored-${Doc.name}`, 480_000_000, `huge-${Doc.name}`);
        await bus.publish(Doc, { n: 2, text: 'next' });
        await eventually(() => expect(handled).toEqual([2]));
        const [letter] = await deadLettersOf(bus, consumer);
        expect(letter).toMatchObject({
          code: 'BUS_PAYLOAD_TOO_LARGE',
          subject: Doc.subject,
          deliveryCount: 1,
        });
        expect(letter!.message).toMatchObject({ id: `huge-${Doc.name}`, claimCheck: { bytes: 480_000_000 } });
        expect(letter!.reason).toContain(`${Doc.subject} is 480000000 bytes (its Ap-Payload-Bytes header)`);
        expect(letter!.reason).toContain(`at most ${CAP}`);
      } finally {
        await bus.close();
      }
    });

    it('catches a lying header: a stored body past the cap is refused by its stored size, unread', async () => {
      const Doc = docEvent();
      const bus = await cappedBus();
      const consumer = `cap-liar-${Doc.name}`;
      try {
        const name = `liar-${Doc.name}`;
        const body = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(CAP * 4) }));
        await objects.putBlob({ name }, body);
        const handled: number[] = [];
        await bus.subscribe(Doc, consumer, async (d) => void handled.push(d.payload.n));
        await publishStub(Doc.subject, name, 10, `liar-${Doc.name}`);
        await bus.publish(Doc, { n: 2, text: 'next' });
        await eventually(() => expect(handled).toEqual([2]));
        const [letter] = await deadLettersOf(bus, consumer);
        expect(letter).toMatchObject({ code: 'BUS_PAYLOAD_TOO_LARGE', deliveryCount: 1 });
        expect(letter!.reason).toContain(`is ${body.length} bytes (its stored body)`);
      } finally {
        await bus.close();
      }
    });
  });
});
