import { AutopilotError, describeError, systemTimers, type Timers } from '@autopilot/kernel';
import type { Logger } from '../logging';

export interface ConnectRetryOptions<T> {
  /** What is being reached, for log lines: `bus`, `store`. */
  what: string;
  /** Where, already masked: it is logged. */
  target: string;
  connect: () => Promise<T>;
  /** Releases a connection that arrived after the caller gave up. */
  release: (value: T) => Promise<void>;
  logger: Logger;
  /** Aborting stops retrying; the pending promise rejects with ConnectAbortedError. */
  signal: AbortSignal;
  /** An error for which retrying cannot help (bad credentials, a corrupt file): rethrown at once. */
  isFatal?: (err: unknown) => boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Runs the waits between attempts. Default: Node's timers. */
  timers?: Timers;
}

/** The caller stopped waiting for a connection (shutdown during start-up). */
export class ConnectAbortedError extends AutopilotError {
  readonly code = 'RUNTIME_CONNECT_ABORTED';
  constructor(readonly what: string) {
    super(`stopped connecting to the ${what}`);
  }
}

/**
 * Calls `connect` until it resolves, waiting 250 ms, 500 ms, 1 s ... up to `maxDelayMs` (with
 * jitter) between attempts and logging each failure with the next delay: a dependency that starts
 * after us is waited for, not answered with a crash loop.
 */
export async function connectWithRetry<T>(opts: ConnectRetryOptions<T>): Promise<T> {
  const initial = opts.initialDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 5000;
  const timers = opts.timers ?? systemTimers;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal.aborted) throw new ConnectAbortedError(opts.what);
    try {
      const value = await abortable(opts.connect(), opts.signal, opts.release);
      if (attempt > 1) opts.logger.info({ target: opts.target, attempts: attempt }, `${opts.what} connected`);
      return value;
    } catch (err) {
      if (err instanceof ConnectAbortedError || opts.signal.aborted) throw new ConnectAbortedError(opts.what);
      if (opts.isFatal?.(err)) throw err;
      const base = Math.min(max, initial * 2 ** (attempt - 1));
      // ±20 % so replicas restarted together do not knock on the server in step.
      const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
      opts.logger.warn(
        { target: opts.target, attempt, retry_in_ms: delayMs, err: describeError(err) },
        `${opts.what} not available at ${opts.target}: retrying in ${delayMs} ms (attempt ${attempt})`,
      );
      // Ends early when `signal` aborts; the loop's first check then throws.
      await timers.sleep(delayMs, opts.signal);
    }
  }
}

/** Settles with `promise`, or rejects when `signal` aborts first (then releases a late value). */
function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  release: (value: T) => Promise<void>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ConnectAbortedError('dependency'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) void release(value).catch(() => undefined);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
