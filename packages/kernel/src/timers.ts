/**
 * Time passing, as a port: every delay our own code waits on (a retry backoff, a heartbeat, a
 * request or fetch timeout, a poll interval) is scheduled through it, so a test moves time with a
 * fake clock (`FakeClock` in @autopilot/testing) instead of sleeping, as Temporal's time-skipping
 * test environment does. A callback never runs on the stack that scheduled it.
 */
export interface Timers {
  /** Runs `fn` once, `ms` from now (0 or less: on a later turn), unless cancelled first. */
  after(ms: number, fn: () => void, opts?: TimerOptions): TimerHandle;
  /** Runs `fn` every `ms` (at least 1) until cancelled; the first run is `ms` from now. */
  every(ms: number, fn: () => void, opts?: TimerOptions): TimerHandle;
  /**
   * Resolves `ms` from now, or as soon as `signal` aborts (at once when it already has), with the
   * timer cleared; never rejects, so a caller checks `signal.aborted` to tell the two apart.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A scheduled callback. */
export interface TimerHandle {
  /** Stops the callback from running (again). Idempotent; harmless after it has run. */
  cancel(): void;
}

export interface TimerOptions {
  /**
   * The timer alone does not keep the process alive (Node's `unref()`), for background work that
   * shutdown ends (a heartbeat, a poll interval). Default false. A fake clock ignores it.
   */
  readonly unref?: boolean;
}

/** Node's own timers. */
export const systemTimers: Timers = {
  after(ms, fn, opts) {
    const timer = setTimeout(fn, Math.max(0, ms));
    if (opts?.unref) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  every(ms, fn, opts) {
    const timer = setInterval(fn, Math.max(1, ms));
    if (opts?.unref) timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
  sleep: (ms, signal) => sleepOn(systemTimers, ms, signal),
};

/**
 * Resolves on a later turn of the event loop, once the I/O, signals and timers already due have
 * had theirs. Not a delay (no clock is involved, so a fake clock does not hold it back): long
 * synchronous work awaits it between its phases so that a SIGINT, a health probe or a heartbeat is
 * not kept waiting for seconds.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `Timers.sleep` built on `after`: what every implementation shares. */
export function sleepOn(timers: Pick<Timers, 'after'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      handle.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const handle = timers.after(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Injection token for the Timers port (the runtime provides `systemTimers`). */
export const Timers = Symbol('Timers');
