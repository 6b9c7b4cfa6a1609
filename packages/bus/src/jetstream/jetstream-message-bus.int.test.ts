import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { defineMessage } from '@autopilot/contracts';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import type { BusLog } from '../log';
import { messageBusConformance } from '../testing';
import { STALLED_CONSUMER, StalledWork } from '../testing/fixtures/stalled-command';
import { connectJetStreamBus, type JetStreamMessageBus } from './jetstream-message-bus';
import { provisionStreams, STREAMS } from './provisioning';

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

messageBusConformance(`JetStreamMessageBus on ${conformanceServer}`, ({ log }) =>
  connectJetStreamBus({
    servers: process.env.NATS_URL ?? server.url,
    source: 'conformance',
    log,
    connectTimeoutMs: 5000,
  }),
);

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
    let finished = 0;
    await bus.subscribe(Ping, consumer, async (d) => {
      if (d.payload.n !== 99) return;
      await new Promise((r) => setTimeout(r, 300));
      finished++;
    });
    await bus.publish(Ping, { n: 99 });
    await eventually(async () => {
      const nc = bus.connection;
      const info = await (await jetstreamManager(nc)).consumers.info(STREAMS.events, consumer);
      expect(info.num_ack_pending).toBe(1);
    });
    await bus.close();
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
      // The replica that survives: its pull is what makes the server give up on the command.
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
      // Dead-lettered, then gone from the work queue; never handed to a handler a third time.
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
      // One dead letter per message: the advisory path shares the handler path's msgID.
      expect(await bus.listDeadLetters({ consumer: STALLED_CONSUMER })).toHaveLength(1);
    } finally {
      await nc.close();
      await bus.close();
    }
  });
});
