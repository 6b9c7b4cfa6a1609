import type { Clock } from './clock';
import { ConnectAbortedError, ConnectGaveUpError, connectWithRetry } from './connect-with-retry';
import { sleepOn, type Timers } from './timers';

/**
 * Timers moved by hand, with a clock that reads their time. (The kernel cannot use
 * @autopilot/testing's FakeClock: that package builds on this one.)
 */
class ManualTime implements Timers, Clock {
  private ms = 0;
  private queue: { at: number; fn: () => void; live: boolean }[] = [];
  now = (): number => this.ms;
  isoNow = (): string => new Date(this.ms).toISOString();
  after(ms: number, fn: () => void) {
    const timer = { at: this.ms + Math.max(0, ms), fn, live: true };
    this.queue.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  every(): never {
    throw new Error('not used here');
  }
  sleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepOn(this, ms, signal);
  get pending(): number {
    return this.queue.filter((t) => t.live).length;
  }
  /** Moves time forward, firing due timers, and lets the awaiting code run. */
  async advance(ms: number): Promise<void> {
    this.ms += ms;
    for (const t of this.queue.filter((q) => q.live && q.at <= this.ms)) {
      t.live = false;
      t.fn();
    }
    this.queue = this.queue.filter((t) => t.live);
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('connectWithRetry', () => {
  it('waits 250 ms, then twice as long each time up to the cap, reporting each wait, then returns the connection', async () => {
    const time = new ManualTime();
    const retries: [number, string, number][] = [];
    let calls = 0;
    let connected = 0;
    const connecting = connectWithRetry({
      target: 'NATS at nats://127.0.0.1:1',
      connect: async () => {
        calls += 1;
        if (calls < 5) throw new Error('ECONNREFUSED');
        return 'connection';
      },
      release: async () => undefined,
      onRetry: (attempt, err, delayMs) => retries.push([attempt, (err as Error).message, delayMs]),
      onConnected: (attempts) => (connected = attempts),
      maxDelayMs: 800,
      clock: time,
      timers: time,
    });
    for (const wait of [250, 500, 800, 800]) {
      await settle();
      expect(time.pending).toBe(1);
      const before = calls;
      // Exactly the wait it announced: then it tries again, and not before.
      await time.advance(wait - 1);
      expect(calls).toBe(before);
      await time.advance(1);
    }
    expect(await connecting).toBe('connection');
    expect(retries).toEqual([
      [1, 'ECONNREFUSED', 250],
      [2, 'ECONNREFUSED', 500],
      [3, 'ECONNREFUSED', 800],
      [4, 'ECONNREFUSED', 800],
    ]);
    expect(connected).toBe(5);
  });

  it.each([
    [1, 300],
    [0, 200],
    [0.5, 250],
  ])('spreads each wait by the jitter asked for (random %p: %p ms of 250 ± 20 %%)', async (r, expected) => {
    const abort = new AbortController();
    const delays: number[] = [];
    const pending = connectWithRetry({
      target: 'x',
      connect: () => Promise.reject(new Error('down')),
      release: async () => undefined,
      onRetry: (_a, _e, delayMs) => {
        delays.push(delayMs);
        abort.abort();
      },
      jitter: 0.2,
      random: () => r,
      signal: abort.signal,
    });
    await expect(pending).rejects.toBeInstanceOf(ConnectAbortedError);
    expect(delays).toEqual([expected]);
  });

  it('gives up past giveUpAfterMs with the last error as the cause', async () => {
    const time = new ManualTime();
    const connecting = connectWithRetry({
      target: 'NATS at x',
      connect: () => Promise.reject(new Error('ECONNREFUSED')),
      release: async () => undefined,
      onRetry: () => undefined,
      giveUpAfterMs: 600,
      clock: time,
      timers: time,
    });
    const failed = connecting.catch((e: unknown) => e);
    await settle();
    await time.advance(250);
    await settle();
    // 250 ms gone, the next wait (500) would end at 750: past 600.
    const err = (await failed) as ConnectGaveUpError;
    expect(err).toBeInstanceOf(ConnectGaveUpError);
    expect(err).toMatchObject({ code: 'CONNECT_GAVE_UP', target: 'NATS at x', attempts: 2, elapsedMs: 250 });
    expect((err.cause as Error).message).toBe('ECONNREFUSED');
  });

  it('rethrows at once an error retrying cannot fix', async () => {
    await expect(
      connectWithRetry({
        target: 'store',
        connect: () => Promise.reject(new Error('corrupt')),
        release: async () => undefined,
        onRetry: () => {
          throw new Error('must not retry');
        },
        isFatal: () => true,
      }),
    ).rejects.toThrow('corrupt');
  });

  it('stops waiting when aborted, and releases a connection that arrives later', async () => {
    const abort = new AbortController();
    let arrive: (v: string) => void = () => undefined;
    const released: string[] = [];
    const pending = connectWithRetry({
      target: 'bus',
      connect: () => new Promise<string>((resolve) => (arrive = resolve)),
      release: async (v) => {
        released.push(v);
      },
      onRetry: () => undefined,
      signal: abort.signal,
    });
    abort.abort();
    await expect(pending).rejects.toBeInstanceOf(ConnectAbortedError);
    arrive('late');
    await settle();
    expect(released).toEqual(['late']);
  });

  it('stops retrying when aborted during the wait, its timer cleared', async () => {
    const abort = new AbortController();
    const time = new ManualTime();
    const pending = connectWithRetry({
      target: 'bus',
      connect: () => Promise.reject(new Error('down')),
      release: async () => undefined,
      onRetry: () => undefined,
      signal: abort.signal,
      initialDelayMs: 60_000,
      clock: time,
      timers: time,
    });
    await settle();
    expect(time.pending).toBe(1);
    abort.abort();
    // Without time moving: the wait ended with the abort.
    await expect(pending).rejects.toMatchObject({ code: 'CONNECT_ABORTED', target: 'bus' });
    expect(time.pending).toBe(0);
  });
});
