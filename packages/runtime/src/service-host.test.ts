import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { MessageBus } from '@autopilot/bus';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { AutopilotTickedV1, buildEnvelope } from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import {
  commitWithOutbox,
  DocumentStore,
  OutboxEnvelopeTooLargeError,
  pendingOutbox,
  type Doc,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { createHttpRoutes, HttpRoutes } from './http';
import { startServiceHost, type ServiceHost } from './service-host';
import type { ServiceDefinition } from './service-definition';
import { silentLogger } from './testing/memory-logger';
import { tickPayload } from './testing/ticks';

const ids = ulidSource();
const tick = tickPayload;

/** Lets a test hold a handler mid-flight. */
const gate = { open: Promise.resolve(), release: () => undefined as void, entered: 0 };
function closeGate(): void {
  gate.open = new Promise<void>((resolve) => {
    gate.release = resolve;
  });
}

/** A fixture module exercising what the host provides; not a real service. */
@Controller()
class ProbeHandler implements OnModuleInit {
  static injectedBus: MessageBus | undefined;

  constructor(
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(MessageBus) private readonly bus: MessageBus,
    private readonly routes: HttpRoutes,
  ) {}

  onModuleInit(): void {
    ProbeHandler.injectedBus = this.bus;
    this.routes.add('/probe', (_req, res) => res.end('probe'));
  }

  @EventPattern(AutopilotTickedV1.subject, { consumer: 'probe-autopilot-ticked' })
  async handle(@Payload() t: AutopilotTickedV1): Promise<void> {
    if (t.seq >= 100) return;
    gate.entered += 1;
    await gate.open;
    const echo = buildEnvelope(AutopilotTickedV1, tick(t.seq + 100), {
      id: ids.next(),
      time: '2026-01-01T00:00:00.000Z',
      source: 'manager',
    });
    await commitWithOutbox(this.store, async (tx) => {
      await tx.collection<Doc>('probes').insert({ _id: String(t.seq) });
      return { result: undefined, events: [echo] };
    });
  }
}

@Module({ controllers: [ProbeHandler] })
class ProbeModule {}

const probe: ServiceDefinition = {
  name: 'manager',
  module: ProbeModule,
  collections: [{ name: 'probes', indexes: [{ fields: { at: 1 } }] }],
};

describe('startServiceHost (real Nest module, in-process bus, SQLite store)', () => {
  let dir: string;
  let bus: InProcessMessageBus;
  let store: DocumentStore;
  let host: ServiceHost | undefined;
  const routes = createHttpRoutes();
  const logger = silentLogger();
  const echoes: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-host-'));
    // The ticks it publishes are the manager's, as autopilot.ticked must be (its producer).
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0, source: 'manager' });
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
    await bus.subscribe(AutopilotTickedV1, 'observer-autopilot-ticked', async (d) => {
      if (d.payload.seq >= 100) echoes.push(d.payload.seq);
    });
    host = await startServiceHost({
      definition: probe,
      bus,
      store,
      routes,
      logger,
      outboxIntervalMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await host?.close();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("declares the service's collections and the runtime's outbox and inbox first", async () => {
    for (const name of ['probes', 'outbox', 'inbox']) expect(await store.collection(name).count()).toBe(0);
  });

  it('lets the module inject the bus and register HTTP routes', () => {
    expect(ProbeHandler.injectedBus).toBeDefined();
    expect(routes.match('/probe')).toBeDefined();
  });

  it('delivers events to the handler, and publishes what it commits to the outbox at once', async () => {
    await bus.publish(AutopilotTickedV1, tick(1));
    await eventually(async () => expect(await store.collection('probes').get('1')).toEqual({ _id: '1' }));
    // The relay's interval is an hour: only the nudge after the commit can have sent it.
    await eventually(() => expect(echoes).toEqual([101]));
  });

  it('on close, lets the in-flight handler finish before it resolves, then takes no more work', async () => {
    closeGate();
    const entered = gate.entered;
    await bus.publish(AutopilotTickedV1, tick(2));
    await eventually(() => expect(gate.entered).toBe(entered + 1));

    const running = host;
    if (!running) throw new Error('the host did not start');
    let closed = false;
    const closing = running.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    gate.release();
    await closing;
    host = undefined;
    expect(await store.collection('probes').get('2')).toEqual({ _id: '2' });
    // The last drain on close published the handler's outbox entry.
    await eventually(() => expect(echoes).toEqual([101, 102]));

    await bus.publish(AutopilotTickedV1, tick(3));
    await bus.publish(AutopilotTickedV1, tick(150));
    await eventually(() => expect(echoes).toEqual([101, 102, 150]));
    expect(await store.collection('probes').get('3')).toBeNull();
  });
});

describe('startServiceHost failures', () => {
  it('rejects when the module cannot be built, leaving nothing subscribed', async () => {
    class Missing {}
    @Controller()
    class NeedsMissing {
      constructor(@Inject(Missing) readonly missing: Missing) {}
    }
    @Module({ controllers: [NeedsMissing] })
    class BrokenModule {}
    const dir = mkdtempSync(join(tmpdir(), 'ap-host-'));
    const bus = new InProcessMessageBus();
    const store = await openSqliteStore({ file: join(dir, 'x.db') });
    const logger = silentLogger();
    try {
      await expect(
        startServiceHost({
          definition: { name: 'worker', module: BrokenModule, collections: [] },
          bus,
          store,
          routes: createHttpRoutes(),
          logger,
          outboxIntervalMs: 1000,
        }),
      ).rejects.toThrow(/Missing/);
    } finally {
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startServiceHost maxMessageBytes', () => {
  /** Hands the test the store the host injects, as a service's repository gets it. */
  @Controller()
  class StoreProbe {
    static injected: DocumentStore | undefined;
    constructor(@Inject(DocumentStore) store: DocumentStore) {
      StoreProbe.injected = store;
    }
  }
  @Module({ controllers: [StoreProbe] })
  class StoreProbeModule {}

  it('gives the store it injects the limit: a commit appending a larger envelope fails, storing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-host-'));
    const bus = new InProcessMessageBus({ source: 'manager' });
    const store = await openSqliteStore({ file: join(dir, 'manager.db') });
    const maxMessageBytes = 2048;
    const host = await startServiceHost({
      definition: { name: 'manager', module: StoreProbeModule, collections: [{ name: 'probes' }] },
      bus,
      store,
      routes: createHttpRoutes(),
      logger: silentLogger(),
      outboxIntervalMs: 3_600_000,
      maxMessageBytes,
    });
    try {
      const injected = StoreProbe.injected;
      if (!injected) throw new Error('the probe was not built');
      const echo = (seq: number, runs: number) =>
        buildEnvelope(
          AutopilotTickedV1,
          { ...tick(seq), dispatchedRunIds: Array.from({ length: runs }, (_, i) => `run-${i}`) },
          { id: ids.next(), time: '2026-01-01T00:00:00.000Z', source: 'manager' },
        );
      const large = echo(1, 300);
      expect(JSON.stringify(large).length).toBeGreaterThan(maxMessageBytes);
      const committing = commitWithOutbox(injected, async (tx) => {
        await tx.collection<Doc>('probes').insert({ _id: 'large' });
        return { result: undefined, events: [large] };
      });
      await expect(committing).rejects.toBeInstanceOf(OutboxEnvelopeTooLargeError);
      await expect(committing).rejects.toMatchObject({ limit: maxMessageBytes, type: large.type });
      expect(await store.collection('probes').get('large')).toBeNull();
      expect(await pendingOutbox(store, 10)).toEqual([]);
      // One that fits goes through the same store.
      await commitWithOutbox(injected, async () => ({ result: undefined, events: [echo(2, 1)] }));
      expect(await store.collection('outbox').count()).toBe(1);
    } finally {
      await host.close();
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
