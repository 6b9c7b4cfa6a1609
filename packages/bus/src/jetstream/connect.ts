import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeError } from '@autopilot/kernel';
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
  log: BusLog;
}

/**
 * Connects, retrying while the server is unreachable: services may start before nats-server does.
 * Once connected, the client reconnects by itself forever (`maxReconnectAttempts: -1`).
 */
export async function connectWithRetry(opts: ConnectRetryOptions): Promise<NatsConnection> {
  const started = Date.now();
  const budget = opts.connectTimeoutMs ?? Number.POSITIVE_INFINITY;
  let delay = opts.initialRetryDelayMs ?? 250;
  const maxDelay = opts.maxRetryDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      const nc = await connect({
        servers: opts.servers,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // Connects are retried here, with logs; the client's own first-connect wait would be silent.
        waitOnFirstConnect: false,
        // Async traces build two Error objects (stack captures) per request, JetStream publishes
        // included: a fifth of publish CPU here. Failures are wrapped in typed errors anyway.
        noAsyncTraces: true,
      });
      if (attempt > 1) opts.log('info', 'connected to NATS', { servers: opts.servers, attempt });
      return nc;
    } catch (err) {
      const elapsed = Date.now() - started;
      if (elapsed + delay > budget) {
        throw new BusUnavailableError(
          `NATS at ${String(opts.servers)} unreachable after ${attempt} attempts in ${elapsed} ms: ${describeError(err)}`,
          { cause: err },
        );
      }
      opts.log('warn', `NATS unreachable, retrying in ${delay} ms`, {
        servers: opts.servers,
        attempt,
        error: describeError(err),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
