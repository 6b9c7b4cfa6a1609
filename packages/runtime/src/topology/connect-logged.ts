import { connectWithRetry, describeError, type Timers } from '@autopilot/kernel';
import type { Logger } from '../logging';

export interface ConnectLoggedOptions<T> {
  /** What is being reached, for log lines: `bus`, `store`. */
  what: string;
  /** Where, already masked: it is logged. */
  target: string;
  connect: () => Promise<T>;
  /** Releases a connection that arrived after the caller gave up. */
  release: (value: T) => Promise<void>;
  logger: Logger;
  /** Aborting stops retrying; the pending promise rejects with the kernel's ConnectAbortedError. */
  signal: AbortSignal;
  /** An error for which retrying cannot help (bad credentials, a corrupt file): rethrown at once. */
  isFatal?: (err: unknown) => boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Runs the waits between attempts. Default: Node's timers. */
  timers?: Timers;
}

/**
 * The kernel's connect retry loop with the runtime's log lines: a warning per failed attempt
 * naming the next wait, and a line once connected after failures. Waits are spread ±20 % so
 * replicas restarted together do not knock on the server in step.
 */
export function connectLogged<T>(opts: ConnectLoggedOptions<T>): Promise<T> {
  const { logger, what, target } = opts;
  return connectWithRetry({
    target: `the ${what} at ${target}`,
    connect: opts.connect,
    release: opts.release,
    signal: opts.signal,
    jitter: 0.2,
    onRetry: (attempt, err, delayMs) =>
      logger.warn(
        { target, attempt, retry_in_ms: delayMs, err: describeError(err) },
        `${what} not available at ${target}: retrying in ${delayMs} ms (attempt ${attempt})`,
      ),
    onConnected: (attempts) => logger.info({ target, attempts }, `${what} connected`),
    ...(opts.isFatal ? { isFatal: opts.isFatal } : {}),
    ...(opts.initialDelayMs !== undefined ? { initialDelayMs: opts.initialDelayMs } : {}),
    ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
  });
}
