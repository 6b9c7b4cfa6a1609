import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('runs timers only when advanced, in due order, each seeing now() at its due time', () => {
    const clock = new FakeClock(0);
    const ran: string[] = [];
    clock.after(30, () => ran.push(`b@${clock.now()}`));
    clock.after(10, () => ran.push(`a@${clock.now()}`));
    clock.after(30, () => ran.push(`c@${clock.now()}`));
    expect(ran).toEqual([]);
    clock.advance(29);
    expect(ran).toEqual(['a@10']);
    expect(clock.now()).toBe(29);
    clock.advance(1);
    // Due at one instant: in the order they were scheduled.
    expect(ran).toEqual(['a@10', 'b@30', 'c@30']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs an interval once per period within one advance, until cancelled', () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const handle = clock.every(100, () => at.push(clock.now()));
    clock.advance(350);
    expect(at).toEqual([100, 200, 300]);
    handle.cancel();
    clock.advance(1000);
    expect(at).toEqual([100, 200, 300]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs, within the same advance, a timer that a callback scheduled and that falls due in it', () => {
    const clock = new FakeClock(0);
    const ran: number[] = [];
    clock.after(10, () => {
      ran.push(clock.now());
      clock.after(10, () => ran.push(clock.now()));
      clock.after(100, () => ran.push(clock.now()));
    });
    clock.advance(50);
    expect(ran).toEqual([10, 20]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('does not run a cancelled timer, and runs the others when one callback throws', () => {
    const clock = new FakeClock(0);
    const ran: string[] = [];
    clock.after(5, () => {
      throw new Error('first');
    });
    clock.after(5, () => ran.push('second')).cancel();
    clock.after(6, () => ran.push('third'));
    expect(() => clock.advance(10)).toThrow('first');
    expect(ran).toEqual(['third']);
    expect(clock.now()).toBe(10);
  });

  it('advanceAsync lets a loop that awaits between sleeps run every step that falls due', async () => {
    const clock = new FakeClock(0);
    const woke: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        woke.push(clock.now());
      }
    })();
    await clock.advanceAsync(250);
    expect(woke).toEqual([100, 200]);
    await clock.advanceAsync(50);
    await loop;
    expect(woke).toEqual([100, 200, 300]);
  });

  it('ends a sleep when its signal aborts, with the timer gone', async () => {
    const clock = new FakeClock(0);
    const abort = new AbortController();
    const sleeping = clock.sleep(60_000, abort.signal);
    expect(clock.pendingTimers).toBe(1);
    abort.abort();
    await sleeping;
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now()).toBe(0);
  });
});
