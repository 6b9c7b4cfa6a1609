import { sleepOn, systemTimers, type TimerHandle } from './timers';

/** `after` that only records what it was asked to schedule: the test runs the callbacks itself. */
function recordingAfter() {
  const scheduled: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  return {
    scheduled,
    after(ms: number, fn: () => void): TimerHandle {
      const entry = { ms, fn, cancelled: false };
      scheduled.push(entry);
      return { cancel: () => (entry.cancelled = true) };
    },
  };
}

describe('sleepOn', () => {
  it('resolves when its timer runs, and removes its abort listener', async () => {
    const timers = recordingAfter();
    const abort = new AbortController();
    let resolved = false;
    const sleeping = sleepOn(timers, 250, abort.signal).then(() => (resolved = true));
    expect(timers.scheduled.map((s) => s.ms)).toEqual([250]);
    await Promise.resolve();
    expect(resolved).toBe(false);
    timers.scheduled[0]!.fn();
    await sleeping;
    expect(resolved).toBe(true);
    // Aborting afterwards finds no listener left: nothing else is scheduled or resolved.
    abort.abort();
    expect(timers.scheduled).toHaveLength(1);
  });

  it('resolves as soon as the signal aborts, with its timer cancelled', async () => {
    const timers = recordingAfter();
    const abort = new AbortController();
    const sleeping = sleepOn(timers, 60_000, abort.signal);
    abort.abort();
    await sleeping;
    expect(timers.scheduled[0]!.cancelled).toBe(true);
  });

  it('resolves at once, scheduling nothing, when the signal has already aborted', async () => {
    const timers = recordingAfter();
    await sleepOn(timers, 60_000, AbortSignal.abort());
    expect(timers.scheduled).toEqual([]);
  });
});

describe('systemTimers', () => {
  it('runs an `after` callback on a later turn, never on the scheduling stack', async () => {
    const order: string[] = [];
    const ran = new Promise<void>((resolve) =>
      systemTimers.after(0, () => {
        order.push('timer');
        resolve();
      }),
    );
    order.push('scheduled');
    await ran;
    expect(order).toEqual(['scheduled', 'timer']);
  });

  it('runs an `every` timer until its own callback cancels it', async () => {
    let runs = 0;
    await new Promise<void>((resolve) => {
      const handle = systemTimers.every(1, () => {
        runs += 1;
        if (runs === 3) {
          handle.cancel();
          resolve();
        }
      });
    });
    expect(runs).toBe(3);
  });
});
