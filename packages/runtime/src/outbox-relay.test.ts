import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InProcessMessageBus, type MessageBus } from '@autopilot/bus';
import { AutopilotTickedV1, buildEnvelope, type Envelope } from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import {
  commitWithOutbox,
  declareOutbox,
  openSqliteStore,
  pendingOutbox,
  type DocumentStore,
} from '@autopilot/store';
import { eventually } from '@autopilot/testing';
import { createLogger } from './logging';
import { OutboxRelay } from './outbox-relay';

const ids = ulidSource();

function tick(seq: number): Envelope {
  return buildEnvelope(
    AutopilotTickedV1,
    {
      seq,
      at: '2026-01-01T00:00:00.000Z',
      durationMs: 1,
      dispatchedRunIds: [],
      expiredRunIds: [],
      readyTasks: 0,
      runningRuns: 0,
      suspendedRuns: 0,
    },
    { id: ids.next(), time: '2026-01-01T00:00:00.000Z', source: 'manager' },
  );
}

/**
 * A test double of a failure: the first `publishEnvelope` throws, either before reaching the bus
 * (the network refused) or after (the bus took it but the acknowledgement was lost).
 */
function failingOnce(bus: MessageBus, when: 'before' | 'after'): MessageBus & { attempts: () => number } {
  let attempts = 0;
  const publishEnvelope = async (envelope: Envelope): Promise<void> => {
    attempts += 1;
    if (attempts === 1 && when === 'before') throw new Error('connection refused');
    await bus.publishEnvelope(envelope);
    if (attempts === 1) throw new Error('ack lost');
  };
  return new Proxy(bus, {
    get(target, prop) {
      if (prop === 'publishEnvelope') return publishEnvelope;
      if (prop === 'attempts') return () => attempts;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as MessageBus & { attempts: () => number };
}

function logSink(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'test',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { logger, lines };
}

describe('OutboxRelay (SQLite store, in-process bus)', () => {
  let dir: string;
  let store: DocumentStore;
  let bus: InProcessMessageBus;
  let seen: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-relay-'));
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
    await declareOutbox(store);
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    seen = [];
    await bus.subscribe(AutopilotTickedV1, 'gateway-autopilot-ticked', async (d) => {
      seen.push(d.id);
    });
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['before', 'after'] as const)(
    'publishes committed entries exactly once when the first publish fails %s reaching the bus',
    async (when) => {
      const flaky = failingOnce(bus, when);
      const { logger, lines } = logSink();
      const relay = new OutboxRelay({ store, bus: flaky, logger, intervalMs: 10 });
      const events = [tick(1), tick(2), tick(3)];
      await commitWithOutbox(store, async () => ({ result: undefined, events }));

      relay.start();
      await eventually(() => expect(seen).toEqual(events.map((e) => e.id)));
      await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
      // More rounds find nothing left to send, and nothing arrives twice.
      relay.nudge();
      await relay.idle();
      await relay.stop();
      expect(seen).toEqual(events.map((e) => e.id));
      expect(flaky.attempts()).toBe(4);
      expect(lines.find((l) => l['level'] === 'warn')?.['msg']).toMatch(
        /^outbox publish failed, will retry: /,
      );
      expect(lines.some((l) => l['msg'] === 'outbox relay recovered')).toBe(true);
    },
  );

  it('drains at once when nudged after a commit, without waiting for the interval', async () => {
    const { logger } = logSink();
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000 });
    relay.start();
    await relay.idle();
    const event = tick(7);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
    relay.nudge();
    await eventually(() => expect(seen).toEqual([event.id]));
    await relay.stop();
  });

  it('publishes in batches and in commit order', async () => {
    const { logger } = logSink();
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000, batchSize: 2 });
    const events = [tick(1), tick(2), tick(3), tick(4), tick(5)];
    for (const e of events) await commitWithOutbox(store, async () => ({ result: undefined, events: [e] }));
    relay.nudge();
    await relay.idle();
    await eventually(() => expect(seen).toEqual(events.map((e) => e.id)));
    await relay.stop();
  });

  it('drains one last time on stop', async () => {
    const { logger } = logSink();
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000 });
    const event = tick(9);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
    await relay.stop();
    await eventually(() => expect(seen).toEqual([event.id]));
    expect(await pendingOutbox(store, 10)).toEqual([]);
  });

  it('keeps entries that could not be published for the next start', async () => {
    const { logger } = logSink();
    const down = new Proxy(bus, {
      get(target, prop) {
        if (prop === 'publishEnvelope') return () => Promise.reject(new Error('bus down'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const relay = new OutboxRelay({ store, bus: down, logger, intervalMs: 3_600_000 });
    const event = tick(11);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
    await relay.stop();
    expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual([event.id]);
    expect(seen).toEqual([]);
  });
});
