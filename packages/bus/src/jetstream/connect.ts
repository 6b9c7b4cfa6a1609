import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  ConnectAbortedError,
  ConnectGaveUpError,
  connectWithRetry as retryConnect,
  describeError,
  systemClock,
  unlessAborted as settleUnlessAborted,
  type Clock,
  type Timers,
} from '@autopilot/kernel';
import { BusUnavailableError } from '../errors';
import type { BusLog } from '../log';
import { isAuthRefusal, natsSecurity, type NatsCredentials, type NatsTls } from './nats-auth';

export interface ConnectRetryOptions {
  /** May carry `user:pass@` or `token@`: moved into the connect options, never handed to nats.js. */
  servers: string | string[];
  name?: string;
  /** Who the connection is; default what the server URLs carry, else none. */
  credentials?: NatsCredentials;
  /** TLS towards the servers; a `tls://` server requires TLS too. */
  tls?: NatsTls;
  /**
   * The prefix of this connection's reply subjects (default `_INBOX`). One per service lets the
   * server's permissions give each service only its own replies (`_INBOX.planner.>`).
   */
  inboxPrefix?: string;
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

/** A connection and which credential it was made with (for log lines and errors, no secret). */
export interface NatsSession {
  readonly connection: NatsConnection;
  /** `user/password (user "planner")`, `token`, `no credentials`, ... */
  readonly credential: string;
  /** The servers as given to nats.js: without userinfo. */
  readonly servers: string[];
}

/** At most one error line per this long while the server keeps refusing the credentials. */
export const AUTH_REFUSAL_LOG_EVERY_MS = 60_000;

/**
 * The log line of an authentication refusal, at most one at `error` per AUTH_REFUSAL_LOG_EVERY_MS
 * (the attempts between are logged at `debug` and counted in the next error line): retries come
 * every few seconds, forever, and an operator needs the reason, not a flood.
 */
export function authRefusalLogger(
  log: BusLog,
  clock: Clock,
  fields: Record<string, unknown>,
): (attempt: Record<string, unknown>, err: unknown) => void {
  let lastLineAt: number | undefined;
  let refusedSince = 0;
  return (attempt, err) => {
    refusedSince++;
    const now = clock.now();
    const line = {
      ...fields,
      ...attempt,
      error: describeError(err),
    };
    if (lastLineAt !== undefined && now - lastLineAt < AUTH_REFUSAL_LOG_EVERY_MS) {
      log('debug', 'NATS still refuses the credentials', line);
      return;
    }
    lastLineAt = now;
    log(
      'error',
      `NATS refused the credentials (${String(fields['auth'])}): authentication failed, ` +
        `not a network problem; retrying until the server accepts them`,
      { ...line, refusedAttempts: refusedSince },
    );
    refusedSince = 0;
  };
}

/**
 * Connects, retrying while the server is unreachable: services may start before nats-server does.
 * Once connected, the client reconnects by itself forever (`maxReconnectAttempts: -1`). Rejects with
 * BusUnavailableError past `connectTimeoutMs` or when `signal` aborts (no log line after that), and
 * with NatsCredentialsError at once when a credential or TLS file cannot be read.
 * The retry loop is the kernel's, the one every connection uses.
 *
 * A refusal of the credentials ("Authorization Violation") is retried too, with an error line that
 * says so (rate-limited, see authRefusalLogger), not reported as "unreachable". Why retry rather
 * than give up: credentials are rotated on two sides that change at different moments (a Secret
 * updated before or after the server reloads its users), and a process that exits on the first
 * refusal only turns into a crash loop under its supervisor, which retries all the same with less
 * said; while refused, `/readyz` stays 503 because the bus is not connected.
 */
export async function connectWithRetry(opts: ConnectRetryOptions): Promise<NatsSession> {
  const { signal } = opts;
  const security = natsSecurity(opts.servers, opts.credentials, opts.tls);
  const servers = security.servers;
  const refused = authRefusalLogger(opts.log, opts.clock ?? systemClock, {
    servers,
    // `auth`, not `credential`: loggers mask fields whose names look secret, and this one is not.
    auth: security.label,
  });
  try {
    const connection = await retryConnect({
      target: `NATS at ${String(servers)}`,
      connect: () =>
        connect({
          servers,
          name: opts.name,
          ...security.options,
          ...(opts.inboxPrefix !== undefined ? { inboxPrefix: opts.inboxPrefix } : {}),
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          // nats.js stops reconnecting after two refusals in a row; a refusal during a rotation must
          // not leave a service disconnected for good (see above).
          ignoreAuthErrorAbort: true,
          // Connects are retried here, with logs; the client's own first-connect wait would be silent.
          waitOnFirstConnect: false,
          // Async traces build two Error objects (stack captures) per request, JetStream publishes
          // included: a fifth of publish CPU here. Failures are wrapped in typed errors anyway.
          noAsyncTraces: true,
        }),
      release: (nc) => nc.close(),
      onRetry: (attempt, err, delayMs) => {
        if (isAuthRefusal(err)) {
          refused({ attempt, retry_in_ms: delayMs }, err);
          return;
        }
        opts.log('warn', `NATS unreachable, retrying in ${delayMs} ms`, {
          servers,
          attempt,
          error: describeError(err),
        });
      },
      onConnected: (attempt) =>
        opts.log('info', 'connected to NATS', { servers, attempt, auth: security.label }),
      ...(signal ? { signal } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { giveUpAfterMs: opts.connectTimeoutMs } : {}),
      ...(opts.initialRetryDelayMs !== undefined ? { initialDelayMs: opts.initialRetryDelayMs } : {}),
      ...(opts.maxRetryDelayMs !== undefined ? { maxDelayMs: opts.maxRetryDelayMs } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
    });
    return { connection, credential: security.label, servers };
  } catch (err) {
    if (err instanceof ConnectAbortedError && signal) throw connectAborted(servers, signal);
    if (err instanceof ConnectGaveUpError) {
      const why = isAuthRefusal(err.cause)
        ? `NATS refused the credentials (${security.label})`
        : describeError(err.cause);
      throw new BusUnavailableError(`${err.message}: ${why}`, { cause: err.cause });
    }
    throw err;
  }
}
