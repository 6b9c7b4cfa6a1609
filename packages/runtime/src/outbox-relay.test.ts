import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type MessageBus } from '@autopilot/bus';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  AutopilotTickedV1,
  ContractViolationError,
  messageBySubject,
  type Envelope,
} from '@autopilot/contracts';
import {
  appendToOutbox,
  commitWithOutbox,
  declareInbox,
  declareOutbox,
  isHandled,
  recordHandled,
  failedOutbox,
  markFailed,
  outboxStates,
  pendingOutbox,
  OUTBOX_COLLECTION,
  OUTBOX_ENVELOPES_COLLECTION,
  type Collection,
  type Doc,
  type DocumentStore,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, FakeClock } from '@autopilot/testing';
import { OutboxRelay } from './outbox-relay';
import { RelayNudgingStore } from './relay-nudging-store';
import { memoryLogger, type MemoryLogger } from './testing/memory-logger';
import { tickEnvelope } from './testing/ticks';

const tick = (seq: number): Envelope => tickEnvelope(seq);

/** A full garbage collection, to tell what is still held (`--expose-gc` set for this process). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * A test double of a failure: the first `publishEnvelope` throws, either before reaching the bus
 * (the network refused) or after (the bus took it but the acknowledgement was lost).
 */
function failingOnce(bus: MessageBus, when: 'before' | 'after'): MessageBus & { attempts: () => number } {
  let attempts = 0;
  const publishEnvelope = async (envelope: Envelope): Promise<void> => {
    // Counted per call: the relay sends a batch without waiting for each publish.
    const attempt = ++attempts;
    if (attempt === 1 && when === 'before') throw new Error('connection refused');
    await bus.publishEnvelope(envelope);
    if (attempt === 1) throw new Error('ack lost');
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

const logSink = (): MemoryLogger => memoryLogger('debug');

/**
 * The store, recording the ids of every batch of envelopes read from the outbox (one list per read)
 * and counting the reads of entry states (`stateReads.count`).
 */
function recordingEnvelopeReads(
  store: DocumentStore,
  reads: string[][],
  stateReads = { count: 0 },
): DocumentStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop !== 'collection') {
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return <T extends Doc>(name: string): Collection<T> => {
        const collection = target.collection<T>(name);
        if (name === OUTBOX_COLLECTION) {
          return {
            ...collection,
            find: (filter, opts) => {
              stateReads.count += 1;
              return collection.find(filter, opts);
            },
          };
        }
        if (name !== OUTBOX_ENVELOPES_COLLECTION) return collection;
        return {
          ...collection,
          get: (id) => collection.get(id),
          find: (filter, opts) => {
            reads.push([...((filter?._id as { $in?: string[] } | undefined)?.$in ?? [])]);
            return collection.find(filter, opts);
          },
        };
      };
    },
  });
}

/** The envelopes a relay holds for entries not read yet (private: what these tests are about). */
function handedOverOf(relay: OutboxRelay): Map<string, Envelope> {
  return (relay as unknown as { handedOver: Map<string, Envelope> }).handedOver;
}

/**
 * The store, except that a transaction's reply reaches its caller only once `reply` resolves: on
 * MongoDB the commit is applied on the server before its reply arrives, and the relay's reads on
 * another connection see it meanwhile.
 */
function withSlowCommitReply(store: DocumentStore, reply: Promise<void>): DocumentStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') {
        return async <R>(fn: Parameters<DocumentStore['transaction']>[0]): Promise<R> => {
          const result = (await target.transaction(fn)) as R;
          await reply;
          return result;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A bus whose `publishEnvelope` is replaced; everything else is the real one. */
function withPublish(bus: MessageBus, publishEnvelope: (e: Envelope) => Promise<void>): MessageBus {
  return new Proxy(bus, {
    get(target, prop) {
      if (prop === 'publishEnvelope') return publishEnvelope;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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
      // The retried entry may arrive after the ones behind it: order does not hold across a failure.
      const sorted = events.map((e) => e.id).sort();
      await eventually(() => expect([...seen].sort()).toEqual(sorted));
      await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
      // More rounds find nothing left to send, and nothing arrives twice.
      relay.nudge();
      await relay.idle();
      await relay.stop();
      expect([...seen].sort()).toEqual(sorted);
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

  it('reads every pending entry again on the nudge after a publish failed, and sends the one that failed', async () => {
    const { logger } = logSink();
    const clock = new FakeClock();
    const flaky = failingOnce(bus, 'before');
    const relay = new OutboxRelay({ store, bus: flaky, logger, intervalMs: 3_600_000, clock });
    const [failed, later] = [tick(21), tick(22)];
    await commitWithOutbox(store, async () => ({ result: undefined, events: [failed] }));
    relay.start();
    await eventually(() => expect(flaky.attempts()).toBe(1));
    await relay.idle();
    // Past the backoff, a nudge for a later commit sends the failed entry too, without the interval.
    clock.advance(3_600_000);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [later] }));
    relay.nudge();
    await eventually(() => expect([...seen].sort()).toEqual([failed.id, later.id].sort()));
    await relay.stop();
  });

  it('drains on its interval when nobody nudges, on its timers', async () => {
    const { logger } = logSink();
    const clock = new FakeClock();
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 60_000, clock, timers: clock });
    relay.start();
    await relay.idle();
    const event = tick(8);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
    await clock.advanceAsync(59_999);
    await relay.idle();
    expect(seen).toEqual([]);
    await clock.advanceAsync(1);
    await eventually(() => expect(seen).toEqual([event.id]));
    await relay.stop();
    expect(clock.pendingTimers).toBe(0);
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
    const down = withPublish(bus, () => Promise.reject(new Error('bus down')));
    const relay = new OutboxRelay({ store, bus: down, logger, intervalMs: 3_600_000 });
    const event = tick(11);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
    await relay.stop();
    expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual([event.id]);
    expect(seen).toEqual([]);
  });

  it('fails an entry for good when it is too large or no stream binds its subject, logs an error, and goes on', async () => {
    const { logger, lines } = logSink();
    let attempts = 0;
    const counting = withPublish(bus, (e) => {
      attempts += 1;
      return bus.publishEnvelope(e);
    });
    const relay = new OutboxRelay({
      store,
      bus: counting,
      logger,
      intervalMs: 10,
      resolveDef: messageBySubject,
      maxEnvelopeBytes: 1024 * 1024,
    });
    const first = tick(1);
    // ~3 MB: over NATS's default max_payload of 1 MB, refused on every attempt by a real server.
    const huge: Envelope = {
      ...tick(2),
      data: {
        ...(tick(2).data as object),
        dispatchedRunIds: Array.from({ length: 30_000 }, () => 'r'.repeat(100)),
      },
    };
    const nowhere: Envelope = { ...tick(3), subject: 'ap.v1.evt.nobody.home', type: 'nobody.home.v1' };
    const last = tick(4);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [first, huge, nowhere, last] }));

    relay.start();
    await eventually(async () => expect((await failedOutbox(store, 10)).length).toBe(2));
    await eventually(() => expect(seen).toEqual([first.id, last.id]));
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    const failed = await failedOutbox(store, 10);
    expect(failed.map((e) => [e._id, e.failure?.code])).toEqual([
      [huge.id, 'RUNTIME_OUTBOX_TOO_LARGE'],
      [nowhere.id, 'RUNTIME_OUTBOX_NO_STREAM'],
    ]);
    expect(failed[0]?.failure?.reason).toMatch(/bytes; the bus takes at most/);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l['outbox_id'])).toEqual([huge.id, nowhere.id]);
    expect(errors[1]?.msg).toContain('will never be published');
    // Later rounds do not try them again.
    for (let i = 0; i < 3; i++) {
      relay.nudge();
      await relay.idle();
    }
    await relay.stop();
    expect(attempts).toBe(2);
  });

  it('fails an entry for good when the bus answers with a contract violation, and goes on', async () => {
    const { logger, lines } = logSink();
    const bad = tick(1);
    const good = tick(2);
    const strict = withPublish(bus, (e) =>
      e.id === bad.id
        ? Promise.reject(
            new ContractViolationError(e.type, [
              { path: '/data', rule: 'type', detail: 'must be object', message: '/data must be object' },
            ]),
          )
        : bus.publishEnvelope(e),
    );
    const relay = new OutboxRelay({ store, bus: strict, logger, intervalMs: 10 });
    await commitWithOutbox(store, async () => ({ result: undefined, events: [bad, good] }));
    relay.start();
    await eventually(() => expect(seen).toEqual([good.id]));
    await eventually(async () => expect((await failedOutbox(store, 10)).map((e) => e._id)).toEqual([bad.id]));
    await relay.stop();
    expect((await failedOutbox(store, 10))[0]?.failure?.code).toBe('CONTRACT_VIOLATION');
    expect(lines.some((l) => l.level === 'error' && l['outbox_id'] === bad.id)).toBe(true);
    expect(await pendingOutbox(store, 10)).toEqual([]);
  });

  it('warns once per interval while publishes keep failing (the rest at debug), then reports recovery', async () => {
    const { logger, lines } = logSink();
    const clock = new FakeClock();
    let up = false;
    let attempts = 0;
    const flaky = withPublish(bus, (e) => {
      attempts += 1;
      return up ? bus.publishEnvelope(e) : Promise.reject(new Error('connection refused'));
    });
    const relay = new OutboxRelay({
      store,
      bus: flaky,
      logger,
      intervalMs: 5,
      clock,
      warnIntervalMs: 60_000,
    });
    const event = tick(1);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
    relay.start();
    await eventually(() => expect(attempts).toBeGreaterThanOrEqual(5));
    const failures = (level: string): number =>
      lines.filter((l) => l.level === level && /^outbox publish failed/.test(String(l.msg))).length;
    expect(failures('warn')).toBe(1);
    expect(failures('debug')).toBeGreaterThanOrEqual(4);
    clock.advance(60_000);
    await eventually(() => expect(failures('warn')).toBe(2));
    const second = lines.filter((l) => l.level === 'warn').at(-1);
    expect(second?.['suppressed']).toBeGreaterThanOrEqual(4);
    up = true;
    await eventually(() => expect(seen).toEqual([event.id]));
    await relay.stop();
    expect(lines.filter((l) => l.msg === 'outbox relay recovered')).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'outbox relay recovered')?.level).toBe('info');
  });

  it('deletes published entries past their retention, and nothing pending, recent or failed', async () => {
    const { logger } = logSink();
    const clock = new FakeClock();
    const old = tick(1);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [old] }), clock);
    const first = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000, clock });
    await first.stop();
    await eventually(() => expect(seen).toEqual([old.id]));
    const failed = tick(3);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [failed] }), clock);
    await markFailed(
      store,
      [{ id: failed.id, failure: { code: 'X', reason: 'kept for an operator' } }],
      clock,
    );
    clock.advance(11 * 60_000);
    const recent = tick(2);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [recent] }), clock);
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000, clock, pruneIntervalMs: 0 });
    relay.start();
    await relay.idle();
    await relay.stop();
    const left = await outboxStates(store);
    expect(left.map((e) => e._id).sort()).toEqual([recent.id, failed.id].sort());
  });

  it('never sends an entry again once it recorded it published, across a restart on the same store', async () => {
    const { logger } = logSink();
    const sent: string[] = [];
    const counting = withPublish(bus, async (e) => {
      sent.push(e.id);
      await bus.publishEnvelope(e);
    });
    const first = tick(1);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [first] }));
    const before = new OutboxRelay({ store, bus: counting, logger, intervalMs: 3_600_000 });
    before.start();
    await before.idle();
    await before.stop();
    expect((await outboxStates(store)).map((e) => [e._id, e.publishedAt !== undefined])).toEqual([
      [first.id, true],
    ]);

    // A relay started later on the same store (a restarted service) sends only what came after.
    const second = tick(2);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [second] }));
    const after = new OutboxRelay({ store, bus: counting, logger, intervalMs: 3_600_000 });
    after.start();
    await after.idle();
    after.nudge();
    await after.idle();
    await after.stop();
    expect(sent).toEqual([first.id, second.id]);
    await eventually(() => expect(seen).toEqual([first.id, second.id]));
  });

  it('forgets inbox records past the inbox retention, when given one', async () => {
    const { logger } = logSink();
    const clock = new FakeClock();
    await declareInbox(store);
    const handle = (messageId: string) =>
      store.transaction((tx) => recordHandled(tx, { consumer: 'gateway-x', messageId }, clock));
    await handle('old');
    clock.advance(2 * 86_400_000);
    await handle('recent');
    const keepAll = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000, clock, pruneIntervalMs: 0 });
    keepAll.start();
    await keepAll.idle();
    await keepAll.stop();
    expect(await isHandled(store, 'gateway-x', 'old')).toBe(true);

    const relay = new OutboxRelay({
      store,
      bus,
      logger,
      intervalMs: 3_600_000,
      clock,
      pruneIntervalMs: 0,
      inboxRetentionMs: 86_400_000,
    });
    relay.start();
    await relay.idle();
    await relay.stop();
    expect(await isHandled(store, 'gateway-x', 'old')).toBe(false);
    expect(await isHandled(store, 'gateway-x', 'recent')).toBe(true);
  });

  it('drops an envelope handed over for an entry a round sent before the commit reply arrived (MongoDB)', async () => {
    const { logger } = logSink();
    const clock = new FakeClock();
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 1000, clock, timers: clock });
    let replyArrives!: () => void;
    const reply = new Promise<void>((resolve) => (replyArrives = resolve));
    const serviceStore = new RelayNudgingStore(withSlowCommitReply(store, reply), relay);
    relay.start();
    await relay.idle();
    const committing = commitWithOutbox(serviceStore, async () => ({ result: undefined, events: [tick(1)] }));
    await eventually(async () => expect(await pendingOutbox(store, 10)).toHaveLength(1));
    await clock.advanceAsync(1000);
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    replyArrives();
    await committing;
    await relay.idle();
    await clock.advanceAsync(1000);
    await relay.idle();
    // Held for the life of the process: a plan's envelope is tens of megabytes.
    expect([...handedOverOf(relay).keys()]).toEqual([]);
    await relay.stop();
  });

  it('drops an envelope handed over for an entry another relay on the store published (scaled workers)', async () => {
    const { logger } = logSink();
    const clock = new FakeClock();
    // Replica A's bus refuses once, so A backs off and nudges wait: B's interval sends A's entry.
    let refusals = 1;
    const flakyBus = withPublish(bus, async (e) => {
      if (refusals-- > 0) throw new Error('connection refused');
      await bus.publishEnvelope(e);
    });
    const replicaA = new OutboxRelay({
      store,
      bus: flakyBus,
      logger,
      intervalMs: 1000,
      clock,
      timers: clock,
    });
    const replicaB = new OutboxRelay({ store, bus, logger, intervalMs: 1000, clock, timers: clock });
    const serviceStoreA = new RelayNudgingStore(store, replicaA);
    await commitWithOutbox(serviceStoreA, async () => ({ result: undefined, events: [tick(1)] }));
    await replicaA.idle();
    await eventually(async () => expect(await pendingOutbox(store, 10)).toHaveLength(1));
    await commitWithOutbox(serviceStoreA, async () => ({ result: undefined, events: [tick(2)] }));
    replicaB.start();
    await replicaB.idle();
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    replicaA.start();
    await clock.advanceAsync(1000);
    await replicaA.idle();
    expect([...handedOverOf(replicaA).keys()]).toEqual([]);
    await replicaA.stop();
    await replicaB.stop();
  });
});

describe('OutboxRelay on a bus that settles on consumption (the embedded topology)', () => {
  let dir: string;
  let store: DocumentStore;
  let bus: InProcessMessageBus;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-relay-'));
    store = await openSqliteStore({ file: join(dir, 'manager.db') });
    await declareOutbox(store);
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0, settle: 'on-consume', log: () => undefined });
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads only what was appended since on a nudge, not the entries still waiting for their consumer', async () => {
    const { logger } = logSink();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe(
      AutopilotTickedV1,
      'gateway-autopilot-ticked',
      async (d) => {
        if (d.payload.seq === 1) await gate;
      },
      { concurrency: 4 },
    );
    const reads: string[][] = [];
    const relay = new OutboxRelay({
      store: recordingEnvelopeReads(store, reads),
      bus,
      logger,
      intervalMs: 3_600_000,
    });
    const [blocked, second, third] = [tick(1), tick(2), tick(3)];
    await commitWithOutbox(store, async () => ({ result: undefined, events: [blocked] }));
    relay.start();
    await eventually(() => expect(reads).toEqual([[blocked.id]]));
    for (const event of [second, third]) {
      await commitWithOutbox(store, async () => ({ result: undefined, events: [event] }));
      relay.nudge();
      await eventually(async () =>
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual([blocked.id]),
      );
    }
    expect(reads).toEqual([[blocked.id], [second.id], [third.id]]);
    release();
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    await relay.stop();
  });

  it('never reads the envelope of an entry in flight again: full rounds read only the states of those', async () => {
    const { logger } = logSink();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe(AutopilotTickedV1, 'gateway-autopilot-ticked', async (d) => {
      if (d.payload.seq === 1) await gate;
    });
    const reads: string[][] = [];
    const stateReads = { count: 0 };
    const clock = new FakeClock();
    const relay = new OutboxRelay({
      store: recordingEnvelopeReads(store, reads, stateReads),
      bus,
      logger,
      intervalMs: 1000,
      clock,
      timers: clock,
    });
    const blocked = tick(1);
    await commitWithOutbox(store, async () => ({ result: undefined, events: [blocked] }));
    relay.start();
    await eventually(() => expect(reads).toEqual([[blocked.id]]));
    // Interval rounds read every pending entry; the blocked one stays pending and in flight.
    for (let round = 1; round <= 3; round++) {
      const before = stateReads.count;
      await clock.advanceAsync(1000);
      await eventually(() => expect(stateReads.count).toBeGreaterThan(before));
    }
    expect(reads.flat()).toEqual([blocked.id]);
    release();
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    await relay.stop();
  });

  it('sends what a commit through the service store handed over without reading it back', async () => {
    const { logger } = logSink();
    const handled: number[] = [];
    await bus.subscribe(AutopilotTickedV1, 'gateway-autopilot-ticked', async (d) => {
      handled.push(d.payload.seq);
    });
    const reads: string[][] = [];
    const relay = new OutboxRelay({
      store: recordingEnvelopeReads(store, reads),
      bus,
      logger,
      intervalMs: 3_600_000,
    });
    relay.start();
    await relay.idle();
    const serviceStore = new RelayNudgingStore(store, relay);
    await commitWithOutbox(serviceStore, async () => ({ result: undefined, events: [tick(1), tick(2)] }));
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    expect(handled).toEqual([1, 2]);
    expect(reads.flat()).toEqual([]);
    // A commit that failed hands nothing over: its entries never existed.
    await expect(
      serviceStore.transaction(async (tx) => {
        await appendToOutbox(tx, [tick(3)]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await commitWithOutbox(serviceStore, async () => ({ result: undefined, events: [tick(4)] }));
    await eventually(() => expect(handled).toEqual([1, 2, 4]));
    expect(reads.flat()).toEqual([]);
    await relay.stop();
  });

  it('lets go of a sent envelope while its consumer still works on it: the bus holds its JSON', async () => {
    const { logger } = logSink();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    await bus.subscribe(AutopilotTickedV1, 'gateway-autopilot-ticked', async (d) => {
      handled.push(d.payload.seq);
      await gate;
    });
    const relay = new OutboxRelay({ store, bus, logger, intervalMs: 3_600_000 });
    relay.start();
    await relay.idle();
    const serviceStore = new RelayNudgingStore(store, relay);
    // Built and committed out of this scope: the test keeps a weak reference only.
    const commitOne = async (): Promise<WeakRef<Envelope>> => {
      const envelope = tick(1);
      await commitWithOutbox(serviceStore, async () => ({ result: undefined, events: [envelope] }));
      return new WeakRef(envelope);
    };
    const sent = await commitOne();
    await eventually(() => expect(handled).toEqual([1]));
    collectGarbage();
    // A whole plan, on the embedded topology, for as long as its consumer works on it (seconds).
    expect(sent.deref()).toBeUndefined();
    release();
    await eventually(async () => expect(await pendingOutbox(store, 10)).toEqual([]));
    await relay.stop();
  });

  it('marks an entry published only once consumed; a blocked consumer holds back nothing else; stop leaves it pending', async () => {
    const { logger, lines } = logSink();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    await bus.subscribe(
      AutopilotTickedV1,
      'gateway-autopilot-ticked',
      async (d) => {
        if (d.payload.seq === 1) await gate;
        handled.push(d.payload.seq);
      },
      { concurrency: 4 },
    );
    // The interval and the stop grace run on a fake clock: the grace ends when the test says so.
    const clock = new FakeClock();
    const relay = new OutboxRelay({
      store,
      bus,
      logger,
      intervalMs: 3_600_000,
      stopGraceMs: 5000,
      clock,
      timers: clock,
    });
    const [blocked, other] = [tick(1), tick(2)];
    await commitWithOutbox(store, async () => ({ result: undefined, events: [blocked, other] }));
    relay.start();
    await eventually(async () =>
      expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual([blocked.id]),
    );
    expect(handled).toEqual([2]);

    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    // Waiting for the blocked publish: the interval is gone, the grace timer is all that is left.
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    await clock.advanceAsync(4999);
    expect(stopped).toBe(false);
    // The grace is over: stop() gives up on the publish rather than hang on its consumer.
    await clock.advanceAsync(1);
    await stopping;
    expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual([blocked.id]);
    expect(lines.some((l) => /1 publishes unsettled/.test(String(l.msg)))).toBe(true);
    // Consumed after the relay gave up: the entry stays pending (the next start re-publishes it
    // and the consumer's inbox drops it), and nothing touches the store after stop().
    release();
    await eventually(() => expect(handled).toEqual([2, 1]));
    expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual([blocked.id]);
  });
});
