import { buildEnvelope, defineMessage } from '@autopilot/contracts';
import { NonRetryableError } from '@autopilot/kernel';
import { FakeClock, eventually } from '@autopilot/testing';
import { Type } from '@sinclair/typebox';
import { messageBusConformance } from '../testing';
import { InProcessMessageBus } from './in-process-message-bus';

// Backoffs and request timeouts on the suite's fake clock: the suite moves time, nothing waits.
messageBusConformance(
  'InProcessMessageBus',
  async ({ log, clock, maxMessageBytes }) =>
    new InProcessMessageBus({ log, clock, timers: clock, maxMessageBytes }),
);

const Ping = defineMessage({
  kind: 'event',
  aggregate: 'inprocess',
  name: 'pinged',
  version: 1,
  producer: 'external',
  consumers: ['external'],
  summary: 'In-process extras.',
  data: Type.Object({ n: Type.Integer() }),
});

const Work = defineMessage({
  kind: 'command',
  service: 'worker',
  name: 'inprocess_work',
  version: 1,
  producer: 'external',
  consumers: ['worker'],
  summary: 'In-process extras work item.',
  data: Type.Object({ n: Type.Integer() }),
});

const Doc = defineMessage({
  kind: 'event',
  aggregate: 'inprocess',
  name: 'documented',
  version: 1,
  producer: 'external',
  consumers: ['external'],
  summary: 'In-process extras: events of any size.',
  data: Type.Object({ label: Type.String(), text: Type.String() }),
});

/** Budget for the retention tests: a few small Doc envelopes fit, one large one does not. */
const BUDGET = 5000;
const large = (label: string): { label: string; text: string } => ({ label, text: 'x'.repeat(4 * BUDGET) });
const small = (label: string): { label: string; text: string } => ({ label, text: '' });

/** Subscribes a group that records the labels it is handed, and returns them. */
async function replay(bus: InProcessMessageBus, consumer: string): Promise<string[]> {
  const labels: string[] = [];
  await bus.subscribe(Doc, consumer, async (d) => {
    labels.push(d.payload.label);
  });
  return labels;
}

/** A promise's state right now, without waiting for it. */
async function stateOf(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  const probe = Symbol('pending');
  try {
    const first = await Promise.race([p, new Promise((resolve) => setImmediate(() => resolve(probe)))]);
    return first === probe ? 'pending' : 'resolved';
  } catch {
    return 'rejected';
  }
}

/** A gate a handler waits at until the test opens it. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

describe('InProcessMessageBus extras', () => {
  it('redeliveryDelayMs replaces the backoff', async () => {
    const bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    const counts: number[] = [];
    await bus.subscribe(
      Ping,
      'fast-retry',
      async (d) => {
        counts.push(d.deliveryCount);
        if (d.deliveryCount < 3) throw new Error('again');
      },
      { backoffMs: [60_000] },
    );
    await bus.publish(Ping, { n: 1 });
    await eventually(() => expect(counts).toEqual([1, 2, 3]), { timeoutMs: 1000 });
    await bus.close();
  });

  it('waits each backoff out on its timers, and cancels the waits still pending on close', async () => {
    const clock = new FakeClock();
    const bus = new InProcessMessageBus({ clock, timers: clock, log: () => undefined });
    const counts: number[] = [];
    await bus.subscribe(
      Ping,
      'on-timers',
      async (d) => {
        counts.push(d.deliveryCount);
        throw new Error('again');
      },
      { backoffMs: [1000, 5000] },
    );
    await bus.publish(Ping, { n: 1 });
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    await clock.advanceAsync(999);
    expect(counts).toEqual([1]);
    await clock.advanceAsync(1);
    await eventually(() => expect(counts).toEqual([1, 2]));
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    await clock.advanceAsync(4999);
    expect(counts).toEqual([1, 2]);
    await bus.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets ids after the duplicate window', async () => {
    const clock = new FakeClock();
    const bus = new InProcessMessageBus({ clock, duplicateWindowMs: 1000 });
    const seen: number[] = [];
    await bus.subscribe(Ping, 'window', async (d) => {
      seen.push(d.payload.n);
    });
    await bus.publish(Ping, { n: 1 }, { id: 'same' });
    await bus.publish(Ping, { n: 2 }, { id: 'same' });
    clock.advance(1001);
    await bus.publish(Ping, { n: 3 }, { id: 'same' });
    await eventually(() => expect(seen).toEqual([1, 3]));
    await bus.close();
  });

  it('keeps the newest eventLogLimit events for late consumers', async () => {
    const bus = new InProcessMessageBus({ eventLogLimit: 3 });
    for (let n = 1; n <= 5; n++) await bus.publish(Ping, { n });
    const seen: number[] = [];
    await bus.subscribe(Ping, 'late', async (d) => {
      seen.push(d.payload.n);
    });
    await eventually(() => expect(seen).toEqual([3, 4, 5]));
    await bus.close();
  });

  it('a drained consumer resumes from its cursor on the next subscribe', async () => {
    const bus = new InProcessMessageBus();
    const seen: number[] = [];
    const sub = await bus.subscribe(Ping, 'resume', async (d) => {
      seen.push(d.payload.n);
    });
    await bus.publish(Ping, { n: 1 });
    await eventually(() => expect(seen).toEqual([1]));
    await sub.drain();
    await bus.publish(Ping, { n: 2 });
    await bus.subscribe(Ping, 'resume', async (d) => {
      seen.push(d.payload.n);
    });
    await eventually(() => expect(seen).toEqual([1, 2]));
    await bus.close();
  });

  it('refuses to publish after close', async () => {
    const bus = new InProcessMessageBus();
    await bus.close();
    await expect(bus.publish(Ping, { n: 1 })).rejects.toMatchObject({ code: 'BUS_PUBLISH_FAILED' });
  });

  it('keeps only the newest deadLetterLimit dead letters', async () => {
    const bus = new InProcessMessageBus({ deadLetterLimit: 3, log: () => undefined });
    await bus.subscribe(Ping, 'capped', async () => {
      throw new NonRetryableError('no');
    });
    for (let n = 1; n <= 10; n++) await bus.publish(Ping, { n });
    await eventually(async () => {
      const letters = await bus.listDeadLetters({ consumer: 'capped' });
      expect(letters.map((l) => (l.message as { data: { n: number } }).data.n)).toEqual([8, 9, 10]);
    });
    await bus.close();
  });

  it('validates an envelope built in this process once, at build; text from anywhere else at its consumers', async () => {
    // The trust boundary, shown with text that breaks the contract: passed as the JSON of an envelope
    // buildEnvelope made, it is not looked at again (the relay hands over exactly that envelope's
    // JSON); the same text with an envelope parsed from elsewhere is checked and dead-lettered.
    const bus = new InProcessMessageBus({ log: () => undefined });
    const seen: unknown[] = [];
    await bus.subscribe(Ping, 'trusting', async (d) => {
      seen.push(d.payload.n);
    });
    const built = buildEnvelope(
      Ping,
      { n: 1 },
      { id: 'built-1', source: 'test', time: new Date(0).toISOString() },
    );
    const broken = (id: string): string => JSON.stringify({ ...built, id, data: { n: 'one' } });
    await bus.publishEnvelope(built, broken('built-1'));
    const parsed = JSON.parse(JSON.stringify({ ...built, id: 'parsed-1' })) as typeof built;
    await bus.publishEnvelope(parsed, broken('parsed-1'));
    await eventually(async () => {
      const letters = await bus.listDeadLetters({ consumer: 'trusting' });
      expect(letters.map((l) => [(l.message as { id: string }).id, l.code])).toEqual([
        ['parsed-1', 'CONTRACT_VIOLATION'],
      ]);
    });
    expect(seen).toEqual(['one']);
    await bus.close();
  });
});

describe("InProcessMessageBus settle: 'on-consume'", () => {
  it('resolves an event publish once every bound group acked it', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume' });
    const a = gate();
    const b = gate();
    let aDone = false;
    await bus.subscribe(Ping, 'settle-a', async () => {
      await a.wait();
      aDone = true;
    });
    await bus.subscribe(Ping, 'settle-b', () => b.wait());
    const publishing = bus.publish(Ping, { n: 1 });
    expect(await stateOf(publishing)).toBe('pending');
    a.open();
    await eventually(() => expect(aDone).toBe(true));
    expect(await stateOf(publishing)).toBe('pending');
    b.open();
    await expect(publishing).resolves.toMatchObject({ data: { n: 1 } });
    await bus.close();
  });

  it('counts a dead letter as consumed, and a retry as not yet', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume', redeliveryDelayMs: 0, log: () => undefined });
    const counts: number[] = [];
    await bus.subscribe(
      Ping,
      'settle-dead',
      async (d) => {
        counts.push(d.deliveryCount);
        if (d.deliveryCount === 1) throw new Error('again');
        throw new NonRetryableError('never');
      },
      { maxDeliveries: 5 },
    );
    await bus.publish(Ping, { n: 2 });
    expect(counts).toEqual([1, 2]);
    expect(await bus.listDeadLetters({ consumer: 'settle-dead' })).toHaveLength(1);
    await bus.close();
  });

  it('resolves at once when no group with a subscriber is bound', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume' });
    await expect(bus.publish(Ping, { n: 1 })).resolves.toBeDefined();
    const sub = await bus.subscribe(Ping, 'settle-gone', async () => undefined);
    await sub.drain();
    await expect(bus.publish(Work, { n: 1 })).resolves.toBeDefined();
    await expect(bus.publish(Ping, { n: 2 })).resolves.toBeDefined();
    await bus.close();
  });

  it('resolves a command publish once its work-queue consumer acked it', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume' });
    const g = gate();
    await bus.subscribe(Work, 'settle-worker', () => g.wait());
    const publishing = bus.publish(Work, { n: 1 });
    expect(await stateOf(publishing)).toBe('pending');
    g.open();
    await expect(publishing).resolves.toBeDefined();
    await bus.close();
  });

  it('makes a re-publish of the same id wait for the first one', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume' });
    const g = gate();
    let calls = 0;
    await bus.subscribe(Ping, 'settle-dup', async () => {
      calls++;
      await g.wait();
    });
    const first = bus.publish(Ping, { n: 1 }, { id: 'same-id' });
    const again = bus.publish(Ping, { n: 1 }, { id: 'same-id' });
    expect(await stateOf(again)).toBe('pending');
    g.open();
    await Promise.all([first, again]);
    expect(calls).toBe(1);
    await expect(bus.publish(Ping, { n: 1 }, { id: 'same-id' })).resolves.toBeDefined();
    await bus.close();
  });

  it('rejects a publish still waiting with BusUnavailableError when close() starts', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume' });
    const g = gate();
    await bus.subscribe(Ping, 'settle-close', () => g.wait());
    const publishing = bus.publish(Ping, { n: 1 });
    expect(await stateOf(publishing)).toBe('pending');
    const closing = bus.close();
    await expect(publishing).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });
    g.open();
    await closing;
  });

  it("resolves at append by default ('on-append'), whatever the consumers do", async () => {
    const bus = new InProcessMessageBus();
    const g = gate();
    await bus.subscribe(Ping, 'append-default', () => g.wait());
    await expect(bus.publish(Ping, { n: 1 })).resolves.toBeDefined();
    g.open();
    await bus.close();
  });
});

describe('InProcessMessageBus eventLogBytes', () => {
  it('drops a large event every group has finished, and keeps the small ones after it within budget', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume', eventLogBytes: BUDGET });
    const a = await replay(bus, 'bytes-a');
    const b = await replay(bus, 'bytes-b');
    // 'on-consume': each publish resolves once both groups acked it.
    await bus.publish(Doc, large('big'), { id: 'big' });
    for (const label of ['s1', 's2', 's3']) await bus.publish(Doc, small(label));
    expect([a, b]).toEqual([
      ['big', 's1', 's2', 's3'],
      ['big', 's1', 's2', 's3'],
    ]);
    const late = await replay(bus, 'bytes-late');
    await eventually(() => expect(late).toEqual(['s1', 's2', 's3']));
    // Dropping the body forgets nothing of its id: a re-publish is still a duplicate.
    await bus.publish(Doc, large('big again'), { id: 'big' });
    await bus.publish(Doc, small('s4'));
    await eventually(() => expect(late).toEqual(['s1', 's2', 's3', 's4']));
    expect(a).toEqual(['big', 's1', 's2', 's3', 's4']);
    await bus.close();
  });

  it('keeps an event past the budget while a group still runs it, and everything after it', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume', eventLogBytes: BUDGET });
    const g = gate();
    const slow: string[] = [];
    await bus.subscribe(Doc, 'bytes-slow', async (d) => {
      if (d.payload.label === 'big') await g.wait();
      slow.push(d.payload.label);
    });
    const fast = await replay(bus, 'bytes-fast');
    const published = [bus.publish(Doc, large('big')), bus.publish(Doc, small('s1'))];
    await eventually(() => expect(fast).toEqual(['big', 's1']));
    const meanwhile = await replay(bus, 'bytes-meanwhile');
    await eventually(() => expect(meanwhile).toEqual(['big', 's1']));
    g.open();
    await Promise.all(published);
    expect(slow).toEqual(['big', 's1']);
    const after = await replay(bus, 'bytes-after');
    await eventually(() => expect(after).toEqual(['s1']));
    await bus.close();
  });

  it('keeps an event a group nacked, and redelivers it with its body once others finished it', async () => {
    const clock = new FakeClock();
    const bus = new InProcessMessageBus({ clock, timers: clock, eventLogBytes: BUDGET });
    const retried: { label: string; chars: number; count: number }[] = [];
    await bus.subscribe(
      Doc,
      'bytes-retry',
      async (d) => {
        retried.push({ label: d.payload.label, chars: d.payload.text.length, count: d.deliveryCount });
        if (d.payload.label === 'big' && d.deliveryCount === 1) throw new Error('not yet');
      },
      { backoffMs: [1000] },
    );
    const fast = await replay(bus, 'bytes-fast');
    await bus.publish(Doc, large('big'));
    for (const label of ['s1', 's2']) await bus.publish(Doc, small(label));
    // The retry group has moved on to s1 and s2: only its nacked 'big' is left, waiting for its backoff.
    await eventually(() => expect(retried.map((r) => r.label)).toEqual(['big', 's1', 's2']));
    await eventually(() => expect(fast).toEqual(['big', 's1', 's2']));
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    const meanwhile = await replay(bus, 'bytes-meanwhile');
    await eventually(() => expect(meanwhile).toEqual(['big', 's1', 's2']));
    await clock.advanceAsync(1000);
    await eventually(() => expect(retried).toHaveLength(4));
    expect(retried[3]).toEqual({ label: 'big', chars: 4 * BUDGET, count: 2 });
    // The redelivery was acked: every group has finished 'big' now.
    await bus.publish(Doc, small('s3'));
    const after = await replay(bus, 'bytes-after');
    await eventually(() => expect(after).toEqual(['s1', 's2', 's3']));
    await bus.close();
  });

  it('keeps what a group with no subscriber has not read, for when it subscribes again', async () => {
    const bus = new InProcessMessageBus({ settle: 'on-consume', eventLogBytes: BUDGET });
    const first = await bus.subscribe(Doc, 'bytes-durable', async () => undefined);
    await first.drain();
    const other = await replay(bus, 'bytes-other');
    await bus.publish(Doc, large('big'));
    await bus.publish(Doc, small('s1'));
    expect(other).toEqual(['big', 's1']);
    const resumed = await replay(bus, 'bytes-durable');
    await eventually(() => expect(resumed).toEqual(['big', 's1']));
    await bus.close();
  });

  it('with no group on the subject, keeps the newest events within budget for a later one', async () => {
    const bus = new InProcessMessageBus({ eventLogBytes: BUDGET });
    await bus.publish(Doc, small('s1'));
    await bus.publish(Doc, large('big'));
    await bus.publish(Doc, small('s2'));
    await bus.publish(Doc, small('s3'));
    const late = await replay(bus, 'bytes-nobody');
    await eventually(() => expect(late).toEqual(['s2', 's3']));
    await bus.close();
  });
});
