import { AsyncLocalStorage } from 'node:async_hooks';

/** Ids that every log line written inside a piece of work should carry. */
export interface LogContext {
  run_id?: string;
  correlation_id?: string;
  project_id?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `context` merged into the ids already in effect; log lines written inside it
 * (from any logger made by `createLogger`) carry them, across awaits.
 */
export function withLogContext<R>(context: LogContext, fn: () => R): R {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/** The ids in effect, or an empty object outside any `withLogContext`. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
