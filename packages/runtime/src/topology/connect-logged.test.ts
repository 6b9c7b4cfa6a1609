import { eventually, FakeClock } from '@autopilot/testing';
import { memoryLogger, type MemoryLogger } from '../testing/memory-logger';
import { ConnectAbortedError } from '@autopilot/kernel';
import { connectLogged } from './connect-logged';

const logged = (): MemoryLogger => memoryLogger('info');

describe('connectLogged (the kernel retry loop, with the runtime log lines)', () => {
  it('retries with growing delays and a log line per failure, then returns the connection', async () => {
    const { logger, lines } = logged();
    const clock = new FakeClock();
    let calls = 0;
    const connecting = connectLogged({
      what: 'bus',
      target: 'nats://127.0.0.1:1',
      connect: async () => {
        calls += 1;
        if (calls < 4) throw new Error('ECONNREFUSED');
        return 'connection';
      },
      release: async () => undefined,
      logger,
      signal: new AbortController().signal,
      initialDelayMs: 5,
      maxDelayMs: 15,
      timers: clock,
    });
    for (let failed = 1; failed <= 3; failed++) {
      await eventually(() => expect(clock.pendingTimers).toBe(1));
      expect(calls).toBe(failed);
      // Exactly the wait it announced: then it tries again, and not before.
      const waitMs = Number(lines.at(-1)?.['retry_in_ms']);
      await clock.advanceAsync(waitMs - 1);
      expect(calls).toBe(failed);
      await clock.advanceAsync(1);
    }
    expect(await connecting).toBe('connection');
    expect(calls).toBe(4);
    const warnings = lines.filter((l) => l['level'] === 'warn');
    expect(warnings.map((l) => l['attempt'])).toEqual([1, 2, 3]);
    const delays = warnings.map((l) => Number(l['retry_in_ms']));
    expect(delays[0]).toBeLessThanOrEqual(6);
    expect(delays[2]).toBeGreaterThanOrEqual(12);
    expect(delays[2]).toBeLessThanOrEqual(18);
    expect(warnings[0]?.['msg']).toMatch(
      /^bus not available at nats:\/\/127\.0\.0\.1:1: retrying in \d+ ms \(attempt 1\)$/,
    );
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'bus connected', attempts: 4 });
  });

  it('rethrows at once an error retrying cannot fix', async () => {
    const { logger } = logged();
    await expect(
      connectLogged({
        what: 'store',
        target: 'x',
        connect: () => Promise.reject(new Error('corrupt')),
        release: async () => undefined,
        logger,
        signal: new AbortController().signal,
        isFatal: () => true,
      }),
    ).rejects.toThrow('corrupt');
  });

  it('stops waiting when aborted, and releases a connection that arrives later', async () => {
    const { logger } = logged();
    const abort = new AbortController();
    let arrive: (v: string) => void = () => undefined;
    const released: string[] = [];
    const pending = connectLogged({
      what: 'bus',
      target: 'x',
      connect: () => new Promise<string>((resolve) => (arrive = resolve)),
      release: async (v) => {
        released.push(v);
      },
      logger,
      signal: abort.signal,
    });
    abort.abort();
    await expect(pending).rejects.toBeInstanceOf(ConnectAbortedError);
    arrive('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual(['late']);
  });

  it('stops retrying when aborted during the wait', async () => {
    const { logger } = logged();
    const abort = new AbortController();
    const clock = new FakeClock();
    const pending = connectLogged({
      what: 'bus',
      target: 'x',
      connect: () => Promise.reject(new Error('down')),
      release: async () => undefined,
      logger,
      signal: abort.signal,
      initialDelayMs: 60_000,
      timers: clock,
    });
    await eventually(() => expect(clock.pendingTimers).toBe(1));
    abort.abort();
    // Without the clock moving: the wait ended with the abort, its timer gone.
    await expect(pending).rejects.toMatchObject({ code: 'CONNECT_ABORTED', target: 'the bus at x' });
    expect(clock.pendingTimers).toBe(0);
  });
});
