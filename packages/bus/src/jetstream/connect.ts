import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeError, systemClock, systemTimers, type Clock, type Timers } from '@autopilot/kernel';
import { BusUnavailableError } from '../errors';
import type { BusLog } from '../log';

export interface ConnectRetryOptions {
  servers: string | string[];
  name?: string;
  /** Give up after this long with BusUnavailableError. Default: keep trying. */
  connectTimeoutMs?: number;
  /** First retry delay, doubled per attempt up to `maxRetryDelayMs`. Default 250. */
  initialRetryDelayMs?: number;
  /** Default 5000. */
  maxRetryDelayMs?: number;
  /** Aborting stops the retries at once: the pending wait is cleared and the call rejects. */
  signal?: AbortSignal;
  log: BusLog;
  /** Measures `connectTimeoutMs`. Default: the system clock. */
  clock?: Clock;
  /** Runs the waits between attempts. Default: Node's timers. */
  timers?: Timers;
}

/** The rejection of a connect that `signal` aborted. */
export function connectAborted(servers: string | string[], signal: AbortSignal): BusUnavailableError {
  return new BusUnavailableError(`connecting to NATS at ${String(servers)} was aborted`, {
    cause: signal.reason,
  });
}

/**
 * Resolves with `work`, or rejects with `connectAborted` as soon as `signal` aborts. A connection
 * `work` opens after the abort is closed, so nothing is left reconnecting in the background.
 */
export function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  servers: string | string[],
  release: (value: T) => Promise<unknown>,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    void work.then(release, () => undefined);
    return Promise.reject(connectAborted(servers, signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      void work.then(release, () => undefined).catch(() => undefined);
      reject(connectAborted(servers, signal));
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

/**
 * Connects, retrying while the server is unreachable: services may start before nats-server does.
 * Once connected, the client reconnects by itself forever (`maxReconnectAttempts: -1`). Rejects with
 * BusUnavailableError past `connectTimeoutMs` or when `signal` aborts (no log line after that).
 */
export async function connectWithRetry(opts: ConnectRetryOptions): Promise<NatsConnection> {
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? systemTimers;
  const started = clock.now();
  const budget = opts.connectTimeoutMs ?? Number.POSITIVE_INFINITY;
  let delay = opts.initialRetryDelayMs ?? 250;
  const maxDelay = opts.maxRetryDelayMs ?? 5000;
  const { signal, servers } = opts;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw connectAborted(servers, signal);
    try {
      const nc = await unlessAborted(
        connect({
          servers,
          name: opts.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          // Connects are retried here, with logs; the client's own first-connect wait would be silent.
          waitOnFirstConnect: false,
          // Async traces build two Error objects (stack captures) per request, JetStream publishes
          // included: a fifth of publish CPU here. Failures are wrapped in typed errors anyway.
          noAsyncTraces: true,
        }),
        signal,
        servers,
        (c) => c.close(),
      );
      if (attempt > 1) opts.log('info', 'connected to NATS', { servers, attempt });
      return nc;
    } catch (err) {
      if (signal?.aborted) throw connectAborted(servers, signal);
      const elapsed = clock.now() - started;
      if (elapsed + delay > budget) {
        throw new BusUnavailableError(
          `NATS at ${String(servers)} unreachable after ${attempt} attempts in ${elapsed} ms: ${describeError(err)}`,
          { cause: err },
        );
      }
      opts.log('warn', `NATS unreachable, retrying in ${delay} ms`, {
        servers,
        attempt,
        error: describeError(err),
      });
      // Ends at once, its timer cleared, when `signal` aborts: the loop's first check then rejects.
      await timers.sleep(delay, signal);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
