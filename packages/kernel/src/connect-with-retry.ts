import { systemClock, type Clock } from './clock';
import { AutopilotError } from './errors';
import { systemTimers, type Timers } from './timers';

/** The caller stopped waiting for a connection (a stop during start-up). */
export class ConnectAbortedError extends AutopilotError {
  readonly code = 'CONNECT_ABORTED';
  constructor(
    readonly target: string,
    options?: ErrorOptions,
  ) {
    super(`connecting to ${target} was aborted`, options);
  }
}

/** The dependency stayed unreachable for longer than the caller would wait. */
export class ConnectGaveUpError extends AutopilotError {
  readonly code = 'CONNECT_GAVE_UP';
  constructor(
    readonly target: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    options?: ErrorOptions,
  ) {
    super(`${target} unreachable after ${attempts} attempts in ${elapsedMs} ms`, options);
  }
}

export interface ConnectWithRetryOptions<T> {
  /** What is being reached and where, already masked: it goes into errors (`NATS at nats://…`). */
  readonly target: string;
  connect(): Promise<T>;
  /** Releases a connection that arrived after the caller stopped waiting. */
  release(value: T): Promise<unknown>;
  /** Before each wait: the attempt that failed, why, and how long until the next one. */
  onRetry(attempt: number, err: unknown, delayMs: number): void;
  /** Once connected after at least one failed attempt. */
  onConnected?(attempts: number): void;
  /** Aborting stops at once (a pending wait's timer is cleared): ConnectAbortedError. */
  readonly signal?: AbortSignal;
  /** An error retrying cannot help (bad credentials, a corrupt file): rethrown at once. */
  isFatal?(err: unknown): boolean;
  /** ConnectGaveUpError once the next wait would pass this many ms since the first attempt. Default: never. */
  readonly giveUpAfterMs?: number;
  /** First wait, doubled per attempt up to `maxDelayMs`. Default 250. */
  readonly initialDelayMs?: number;
  /** Default 5000. */
  readonly maxDelayMs?: number;
  /**
   * Each wait is spread by up to ± this fraction, so replicas restarted together do not knock on the
   * server in step. Default 0.
   */
  readonly jitter?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Default Math.random. */
  readonly random?: () => number;
}

/**
 * Calls `connect` until it resolves, waiting 250 ms, 500 ms, 1 s ... up to `maxDelayMs` between
 * attempts, so a dependency that starts after us is waited for, not answered with a crash loop.
 * The one retry loop for every connection Autopilot makes (NATS, MongoDB, SQLite files).
 */
export async function connectWithRetry<T>(opts: ConnectWithRetryOptions<T>): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? systemTimers;
  const random = opts.random ?? Math.random;
  const maxDelay = opts.maxDelayMs ?? 5000;
  const budget = opts.giveUpAfterMs ?? Number.POSITIVE_INFINITY;
  const started = clock.now();
  let base = opts.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new ConnectAbortedError(opts.target, { cause: opts.signal.reason });
    try {
      const value = await unlessAborted(opts.connect(), opts.signal, opts.target, opts.release);
      if (attempt > 1) opts.onConnected?.(attempt);
      return value;
    } catch (err) {
      if (err instanceof ConnectAbortedError || opts.signal?.aborted) {
        throw new ConnectAbortedError(opts.target, { cause: opts.signal?.reason });
      }
      if (opts.isFatal?.(err)) throw err;
      const spread = opts.jitter ?? 0;
      const delayMs = Math.round(base * (1 - spread + random() * 2 * spread));
      const elapsed = clock.now() - started;
      if (elapsed + delayMs > budget) {
        throw new ConnectGaveUpError(opts.target, attempt, elapsed, { cause: err });
      }
      opts.onRetry(attempt, err, delayMs);
      // Ends at once, its timer cleared, when `signal` aborts: the loop's first check then throws.
      await timers.sleep(delayMs, opts.signal);
      base = Math.min(base * 2, maxDelay);
    }
  }
}

/**
 * Settles with `work`, or rejects with ConnectAbortedError as soon as `signal` aborts; a value
 * `work` produces after that is released, so nothing is left connected in the background.
 */
export function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  target: string,
  release: (value: T) => Promise<unknown>,
): Promise<T> {
  if (!signal) return work;
  const releaseLate = (): void => {
    void work.then(release, () => undefined).catch(() => undefined);
  };
  if (signal.aborted) {
    releaseLate();
    return Promise.reject(new ConnectAbortedError(target, { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      releaseLate();
      reject(new ConnectAbortedError(target, { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
