import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  ConnectAbortedError,
  ConnectGaveUpError,
  connectWithRetry as retryConnect,
  describeError,
  unlessAborted as settleUnlessAborted,
  type Clock,
  type Timers,
} from '@autopilot/kernel';
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
export async function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  servers: string | string[],
  release: (value: T) => Promise<unknown>,
): Promise<T> {
  try {
    return await settleUnlessAborted(work, signal, `NATS at ${String(servers)}`, release);
  } catch (err) {
    if (err instanceof ConnectAbortedError && signal) throw connectAborted(servers, signal);
    throw err;
  }
}

/**
 * Connects, retrying while the server is unreachable: services may start before nats-server does.
 * Once connected, the client reconnects by itself forever (`maxReconnectAttempts: -1`). Rejects with
 * BusUnavailableError past `connectTimeoutMs` or when `signal` aborts (no log line after that).
 * The retry loop is the kernel's, the one every connection uses.
 */
export async function connectWithRetry(opts: ConnectRetryOptions): Promise<NatsConnection> {
  const { signal, servers } = opts;
  try {
    return await retryConnect({
      target: `NATS at ${String(servers)}`,
      connect: () =>
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
      release: (nc) => nc.close(),
      onRetry: (attempt, err, delayMs) =>
        opts.log('warn', `NATS unreachable, retrying in ${delayMs} ms`, {
          servers,
          attempt,
          error: describeError(err),
        }),
      onConnected: (attempt) => opts.log('info', 'connected to NATS', { servers, attempt }),
      ...(signal ? { signal } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { giveUpAfterMs: opts.connectTimeoutMs } : {}),
      ...(opts.initialRetryDelayMs !== undefined ? { initialDelayMs: opts.initialRetryDelayMs } : {}),
      ...(opts.maxRetryDelayMs !== undefined ? { maxDelayMs: opts.maxRetryDelayMs } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
    });
  } catch (err) {
    if (err instanceof ConnectAbortedError && signal) throw connectAborted(servers, signal);
    if (err instanceof ConnectGaveUpError) {
      throw new BusUnavailableError(`${err.message}: ${describeError(err.cause)}`, { cause: err.cause });
    }
    throw err;
  }
}
