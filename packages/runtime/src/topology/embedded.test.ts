import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AutopilotTickedV1, type Envelope } from '@autopilot/contracts';
import { BusContext } from '@autopilot/nest-transport';
import {
  commitWithOutbox,
  declareOutbox,
  DocumentStore,
  handleOnce,
  INBOX_COLLECTION,
  pendingOutbox,
  type Doc,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import type { ServiceDefinition } from '../service-definition';
import { memoryLogger, silentLogger } from '../testing/memory-logger';
import { tickEnvelope } from '../testing/ticks';
import { startEmbedded } from './embedded';

@Module({})
class EmptyModule {}

const services: ServiceDefinition[] = [
  { name: 'ingestion', module: EmptyModule, collections: [{ name: 'blueprints' }] },
  { name: 'worker', module: EmptyModule, collections: [] },
];

describe('startEmbedded', () => {
  it('runs every service on one bus with a SQLite file each, ready on /readyz, and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-embedded-'));
    const logger = silentLogger();
    const running = await startEmbedded({
      services,
      dir: join(dir, 'state'),
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 50,
      logger,
    });
    try {
      await running.started;
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        ready: true,
        parts: {
          bus: { ready: true },
          'store:ingestion': { ready: true },
          'service:ingestion': { ready: true },
          'store:worker': { ready: true },
          'service:worker': { ready: true },
        },
      });
      expect(existsSync(join(dir, 'state', 'ingestion.db'))).toBe(true);
      expect(existsSync(join(dir, 'state', 'worker.db'))).toBe(true);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it('fails to start, naming the file, when a store cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-embedded-'));
    writeFileSync(join(dir, 'ingestion.db'), 'not a database, but long enough to have a header'.repeat(20));
    const logger = silentLogger();
    const running = await startEmbedded({
      services,
      dir,
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 50,
      logger,
    });
    try {
      await expect(running.started).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect((await fetch(`${running.url}/readyz`)).status).toBe(503);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Service A of the delivery tests: hands its store to the test, which commits events through it. */
const producer: { store?: DocumentStore } = {};
@Controller()
class ProducerProbe implements OnModuleInit {
  constructor(@Inject(DocumentStore) private readonly store: DocumentStore) {}
  onModuleInit(): void {
    producer.store = this.store;
  }
}
@Module({ controllers: [ProducerProbe] })
class ProducerModule {}

const CONSUMER = 'gateway-autopilot-ticked';
/** Service B: handles each tick once through its inbox; the test decides how each delivery goes. */
const consumer = {
  deliveries: [] as string[],
  effects: [] as string[],
  /** Runs before the handler's transaction; may block or throw. */
  before: async (_id: string): Promise<void> => undefined,
};
@Controller()
class ConsumerProbe {
  constructor(@Inject(DocumentStore) private readonly store: DocumentStore) {}
  @EventPattern(AutopilotTickedV1.subject, { consumer: CONSUMER })
  async handle(@Payload() _tick: AutopilotTickedV1, @Ctx() ctx: BusContext): Promise<void> {
    const id = ctx.messageId();
    consumer.deliveries.push(id);
    await consumer.before(id);
    await handleOnce(this.store, CONSUMER, id, async (tx) => {
      consumer.effects.push(id);
      await tx.collection<Doc>('ticks').insert({ _id: id });
    });
  }
}
@Module({ controllers: [ConsumerProbe] })
class ConsumerModule {}

const pair: ServiceDefinition[] = [
  { name: 'manager', module: ProducerModule, collections: [] },
  { name: 'gateway', module: ConsumerModule, collections: [{ name: 'ticks' }] },
];

const tick = (seq: number): Envelope => tickEnvelope(seq);

/** The pending outbox of a stopped topology's service, read from its file. */
async function pendingIn(file: string): Promise<string[]> {
  const store = await openSqliteStore({ file });
  try {
    await declareOutbox(store);
    return (await pendingOutbox(store, 100)).map((e) => e._id);
  } finally {
    await store.close();
  }
}

describe('startEmbedded delivery across a stop (DESIGN.md section 4: nothing lost)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ap-embedded-'));
    consumer.deliveries = [];
    consumer.effects = [];
    consumer.before = async () => undefined;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const start = (logger = silentLogger()): ReturnType<typeof startEmbedded> =>
    startEmbedded({
      services: pair,
      dir,
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 3_600_000,
      logger,
      relayStopGraceMs: 100,
    });

  it.each([
    ['fails (the process went down mid-handler)', 'fails'],
    ['finishes after the producer gave up (the repeat is dropped by the inbox)', 'finishes'],
  ] as const)(
    'keeps an event pending when its consumer has not taken it at stop; the next start delivers it once: the held handler %s',
    async (_label, outcome) => {
      const { logger, lines } = memoryLogger('info');
      let release!: (ok: boolean) => void;
      const held = new Promise<boolean>((resolve) => (release = resolve));
      consumer.before = async () => {
        if (!(await held)) throw new Error('went down mid-handler');
      };
      const first = await start(logger);
      await first.started;
      const event = tick(1);
      await commitWithOutbox(producer.store as DocumentStore, async () => ({
        result: null,
        events: [event],
      }));
      await eventually(() => expect(consumer.deliveries).toEqual([event.id]));
      // Handed to B, not consumed: A must not count it as published.
      expect((await pendingOutbox(producer.store as DocumentStore, 10)).map((e) => e._id)).toEqual([
        event.id,
      ]);

      const stopping = first.stop();
      // A's relay stops first and, after its grace, leaves the unconsumed entry pending.
      await eventually(() =>
        expect(
          lines.some((l) => /publishes unsettled/.test(String(l.msg)) && l['service'] === 'manager'),
        ).toBe(true),
      );
      release(outcome === 'finishes');
      await stopping;
      expect(await pendingIn(join(dir, 'manager.db'))).toEqual([event.id]);
      expect(consumer.effects).toEqual(outcome === 'finishes' ? [event.id] : []);

      consumer.before = async () => undefined;
      const second = await start();
      try {
        await second.started;
        // Published again. Delivered to the handler again only if it had not finished: a handled
        // repeat is acked by the service's inbox guard before the handler runs.
        await eventually(async () =>
          expect(await pendingOutbox(producer.store as DocumentStore, 10)).toEqual([]),
        );
        await eventually(() =>
          expect(consumer.deliveries).toEqual(outcome === 'finishes' ? [event.id] : [event.id, event.id]),
        );
      } finally {
        await second.stop();
      }
      // Exactly once where it counts: one effect, one inbox record.
      expect(consumer.effects).toEqual([event.id]);
      const gateway = await openSqliteStore({ file: join(dir, 'gateway.db') });
      try {
        await gateway.ensureCollection({ name: INBOX_COLLECTION });
        expect(
          (await gateway.collection(INBOX_COLLECTION).find({})).items.map((d) => d['messageId']),
        ).toEqual([event.id]);
      } finally {
        await gateway.close();
      }
    },
  );
});
