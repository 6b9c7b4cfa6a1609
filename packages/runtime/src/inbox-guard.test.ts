import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { AutopilotTickedV1, type Envelope } from '@autopilot/contracts';
import {
  commitWithOutbox,
  declareInbox,
  declareOutbox,
  INBOX_COLLECTION,
  isHandled,
  outboxStates,
  StoreUsageError,
  type Doc,
  type DocumentStore,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { handlingMessage } from './envelopes';
import { InboxGuard, recordHandledMessage } from './inbox-guard';
import { ServiceScopedBus } from './service-scoped-bus';
import { memoryLogger, type MemoryLogger } from './testing/memory-logger';
import { tickEnvelope } from './testing/ticks';

interface Counter extends Doc {
  n: number;
}

const CONSUMER = 'gateway-autopilot-ticked';

describe('InboxGuard and recordHandledMessage (SQLite store, in-process bus)', () => {
  let dir: string;
  let store: DocumentStore;
  let log: MemoryLogger;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-inbox-guard-'));
    store = await openSqliteStore({ file: join(dir, 'gateway.db') });
    await declareInbox(store);
    await declareOutbox(store);
    await store.ensureCollection({ name: 'counters' });
    await store.collection<Counter>('counters').insert({ _id: 'c', n: 0 });
    log = memoryLogger('debug');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A handler's effect as a repository commits it: state, an outbox event, and the inbox record. */
  const commitEffect = (event: Envelope = tickEnvelope(100, 'gateway')) =>
    commitWithOutbox(store, async (tx) => {
      await recordHandledMessage(tx);
      await tx.collection<Counter>('counters').increment('c', 'n', 1);
      return { result: undefined, events: [event] };
    });
  const counter = async () => (await store.collection<Counter>('counters').get('c'))?.n;
  const duplicateLines = () => log.lines.filter((l) => l.msg === 'duplicate delivery, already handled');

  it('runs a handler once per message: a copy delivered after the duplicate window changes nothing', async () => {
    // Window 0: the bus keeps the copy, as JetStream does once its duplicate window has passed.
    const shared = new InProcessMessageBus({ redeliveryDelayMs: 0, duplicateWindowMs: 0 });
    const bus = new ServiceScopedBus(shared, 'gateway', new InboxGuard(store, log.logger));
    let runs = 0;
    await bus.subscribe(AutopilotTickedV1, CONSUMER, async () => {
      runs += 1;
      await commitEffect();
    });
    try {
      const envelope = tickEnvelope(1);
      await shared.publishEnvelope(envelope);
      await eventually(async () => expect(await isHandled(store, CONSUMER, envelope.id)).toBe(true));

      await shared.publishEnvelope(envelope);
      await eventually(() =>
        expect(duplicateLines()).toEqual([
          expect.objectContaining({
            level: 'debug',
            consumer: CONSUMER,
            message_id: envelope.id,
            found: 'recorded',
          }),
        ]),
      );
      expect(runs).toBe(1);
      expect(await counter()).toBe(1);
      expect(await outboxStates(store)).toHaveLength(1);
      expect(await store.collection(INBOX_COLLECTION).get(`${CONSUMER}:${envelope.id}`)).toMatchObject({
        consumer: CONSUMER,
        messageId: envelope.id,
      });
    } finally {
      await shared.close();
    }
  });

  it('runs the handler again after a failure: nothing was recorded', async () => {
    const shared = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    const bus = new ServiceScopedBus(shared, 'gateway', new InboxGuard(store, log.logger));
    let runs = 0;
    await bus.subscribe(AutopilotTickedV1, CONSUMER, async () => {
      runs += 1;
      await commitWithOutbox(store, async (tx) => {
        await recordHandledMessage(tx);
        await tx.collection<Counter>('counters').increment('c', 'n', 1);
        if (runs === 1) throw new Error('the first attempt fails after recording');
        return { result: undefined, events: [] };
      });
    });
    try {
      await shared.publishEnvelope(tickEnvelope(2));
      await eventually(async () => expect(await counter()).toBe(1));
      expect(runs).toBe(2);
      expect(duplicateLines()).toEqual([]);
    } finally {
      await shared.close();
    }
  });

  it('acks the loser of two deliveries handled at once, its effect rolled back', async () => {
    const guard = new InboxGuard(store, log.logger);
    const envelope = tickEnvelope(3);
    let release: () => void = () => undefined;
    const bothRunning = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const deliver = () =>
      handlingMessage(
        envelope,
        () =>
          guard.run(CONSUMER, envelope, async () => {
            // Both pass the guard's lookup before either commits.
            if (++started === 2) release();
            await bothRunning;
            await commitEffect();
          }),
        CONSUMER,
      );
    await expect(Promise.all([deliver(), deliver()])).resolves.toEqual([undefined, undefined]);
    expect(await counter()).toBe(1);
    expect(await outboxStates(store)).toHaveLength(1);
    expect(duplicateLines()).toEqual([expect.objectContaining({ found: 'concurrent' })]);
  });

  it('refuses a second recording commit in one handling (a usage error), keeping the first', async () => {
    const envelope = tickEnvelope(4);
    await handlingMessage(
      envelope,
      async () => {
        await commitEffect();
        await expect(commitEffect()).rejects.toBeInstanceOf(StoreUsageError);
      },
      CONSUMER,
    );
    expect(await counter()).toBe(1);
  });

  it('records nothing outside a subscribed handler: a request, or no message at all', async () => {
    expect(await store.transaction((tx) => recordHandledMessage(tx))).toBe(false);
    const request = tickEnvelope(5);
    expect(await handlingMessage(request, () => store.transaction((tx) => recordHandledMessage(tx)))).toBe(
      false,
    );
    expect(await store.collection(INBOX_COLLECTION).count()).toBe(0);
  });
});
