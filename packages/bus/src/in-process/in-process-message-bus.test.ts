import { defineMessage } from '@autopilot/contracts';
import { FakeClock, eventually } from '@autopilot/testing';
import { Type } from '@sinclair/typebox';
import { messageBusConformance } from '../testing';
import { InProcessMessageBus } from './in-process-message-bus';

messageBusConformance('InProcessMessageBus', async ({ log }) => new InProcessMessageBus({ log }));

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
});
