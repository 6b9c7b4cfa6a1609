import type { EventEmitter } from 'node:events';
import {
  describeError,
  systemClock,
  systemTimers,
  type Clock,
  type TimerHandle,
  type Timers,
} from '@autopilot/kernel';
import type { Logger } from './logging';

export interface ShutdownOptions {
  logger: Logger;
  /** Past this the process exits 1 even if `stop` has not finished. */
  timeoutMs: number;
  /** Stops everything in order; its rejection exits 1. */
  stop: () => Promise<void>;
  /** Where signals come from; `process` unless a test passes its own emitter. */
  signals?: Pick<EventEmitter, 'on' | 'off'>;
  /** How the process ends; `process.exit` unless a test watches the code instead. */
  exit?: (code: number) => void;
  /** Measures the shutdown's duration for the log. Default: the system clock. */
  clock?: Clock;
  /** Runs the forced-exit timeout. Default: Node's timers. */
  timers?: Timers;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Graceful shutdown on SIGTERM or SIGINT: runs `stop` once, then exits 0 and logs "stopped".
 * A second signal, a timeout or a failing `stop` exit 1 with a log line saying which.
 * Returns a function that removes the signal listeners.
 */
export function installShutdown(opts: ShutdownOptions): () => void {
  const signals = opts.signals ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? systemTimers;
  let stopping = false;
  let timer: TimerHandle | undefined;
  let exited = false;
  // Exactly one exit, with the timer cleared: a real exit ends everything, a test's exit must too.
  const finish = (code: number): void => {
    timer?.cancel();
    if (exited) return;
    exited = true;
    exit(code);
  };

  const onSignal = (signal: string): void => {
    if (stopping) {
      opts.logger.error({ signal }, `second ${signal} during shutdown: forcing exit`);
      finish(1);
      return;
    }
    stopping = true;
    opts.logger.info({ signal, timeout_ms: opts.timeoutMs }, `${signal} received: shutting down`);
    // Not unref'd on purpose: if `stop` hangs on a promise that holds no handle, an unref'd timer
    // would let Node drain the loop and exit 0 as if the shutdown had worked.
    timer = timers.after(opts.timeoutMs, () => {
      opts.logger.error(
        { timeout_ms: opts.timeoutMs },
        `shutdown did not finish within ${opts.timeoutMs} ms: forcing exit`,
      );
      finish(1);
    });
    const started = clock.now();
    opts.stop().then(
      () => {
        if (exited) return;
        opts.logger.info({ duration_ms: clock.now() - started }, 'stopped');
        finish(0);
      },
      (err: unknown) => {
        if (exited) return;
        opts.logger.error({ err }, `shutdown failed: ${describeError(err)}`);
        finish(1);
      },
    );
  };

  for (const s of SIGNALS) signals.on(s, onSignal);
  return () => {
    for (const s of SIGNALS) signals.off(s, onSignal);
  };
}
