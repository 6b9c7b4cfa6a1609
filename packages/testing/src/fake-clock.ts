import { sleepOn, type Clock, type TimerHandle, type Timers } from '@autopilot/kernel';

interface Scheduled {
  at: number;
  /** Scheduling order: timers due at the same instant run in the order they were scheduled. */
  seq: number;
  /** The period of an `every` timer; undefined for `after`. */
  readonly period: number | undefined;
  readonly fn: () => void;
}

// Captured at load: a test that installs jest's fake timers must not stop `advanceAsync` yielding.
const realSetImmediate = setImmediate;
/** One turn of the real event loop: promise chains started by a timer run on, and may schedule more. */
const turn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/**
 * A clock that moves only when told to, and the Timers that run on it. Pass one instance as both
 * `clock` and `timers`: `advance(ms)` moves `now()` forward and runs every timer that falls due on
 * the way, in due order (timers due at one instant in the order they were scheduled), each seeing
 * `now()` at its own due time, as @sinonjs/fake-timers' `tick` does. Timers scheduled by a callback
 * run in the same advance when they fall due within it. Nothing runs until a test advances.
 */
export class FakeClock implements Clock, Timers {
  private readonly scheduled: Scheduled[] = [];
  private seq = 0;

  constructor(private ms = Date.parse('2026-01-01T00:00:00.000Z')) {}

  now(): number {
    return this.ms;
  }

  isoNow(): string {
    return new Date(this.ms).toISOString();
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.schedule(Math.max(0, ms), undefined, fn);
  }

  every(ms: number, fn: () => void): TimerHandle {
    const period = Math.max(1, ms);
    return this.schedule(period, period, fn);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers scheduled and neither run nor cancelled (an `every` timer counts once). */
  get pendingTimers(): number {
    return this.scheduled.length;
  }

  /**
   * Moves time forward by `ms`, running the timers that fall due, synchronously. A callback that
   * throws does not stop the others; the first error is rethrown once time has moved.
   */
  advance(ms: number): void {
    const target = this.ms + Math.max(0, ms);
    const errors: unknown[] = [];
    for (let next = this.takeDue(target); next; next = this.takeDue(target)) this.fire(next, errors);
    this.ms = target;
    if (errors.length > 0) throw errors[0];
  }

  /**
   * `advance` for code that awaits between timers (a retry loop sleeping, a handler failing, then
   * its redelivery being scheduled): before each due timer, and once at the end, it lets the event
   * loop turn, so what a timer started can schedule the next one in time to run within `ms`.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.ms + Math.max(0, ms);
    const errors: unknown[] = [];
    await turn();
    for (let next = this.takeDue(target); next; next = this.takeDue(target)) {
      this.fire(next, errors);
      await turn();
    }
    this.ms = target;
    await turn();
    if (errors.length > 0) throw errors[0];
  }

  private schedule(delay: number, period: number | undefined, fn: () => void): TimerHandle {
    const timer: Scheduled = { at: this.ms + delay, seq: this.seq++, period, fn };
    this.scheduled.push(timer);
    return {
      cancel: () => {
        const i = this.scheduled.indexOf(timer);
        if (i >= 0) this.scheduled.splice(i, 1);
      },
    };
  }

  /** Removes and returns the earliest timer due by `target`, with time moved to its due instant. */
  private takeDue(target: number): Scheduled | undefined {
    let first = -1;
    for (let i = 0; i < this.scheduled.length; i++) {
      const t = this.scheduled[i]!;
      if (t.at > target) continue;
      const best = this.scheduled[first];
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) first = i;
    }
    if (first < 0) return undefined;
    const [timer] = this.scheduled.splice(first, 1);
    this.ms = Math.max(this.ms, timer!.at);
    return timer;
  }

  private fire(timer: Scheduled, errors: unknown[]): void {
    if (timer.period !== undefined) {
      // Rescheduled before it runs, so the callback can cancel its own next run.
      timer.at += timer.period;
      timer.seq = this.seq++;
      this.scheduled.push(timer);
    }
    try {
      timer.fn();
    } catch (err) {
      errors.push(err);
    }
  }
}
