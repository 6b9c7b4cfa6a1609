import pino, { type DestinationStream } from 'pino';
import { currentTraceIds } from '@autopilot/telemetry';
import { maskUrl, maskUrlsDeep, type LogLevel } from '../config';
import { currentLogContext } from './log-context';

/** One logging call: a fields object then a message, or a message alone. */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

/**
 * The runtime's structured logger: what services, topologies and the CLI call. Ours rather than
 * pino's type, so the package does not re-export a dependency's API (STYLE.md section 11.7);
 * `createLogger` returns a pino logger, which fits it.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger adding `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** The service (or `autopilot` for the whole process) every line names. */
  service: string;
  level: LogLevel;
  /** Where lines go; stdout when absent. Tests pass a stream to read lines back. */
  destination?: DestinationStream;
}

/**
 * A pino logger writing one JSON object per line with `service`, the active span's
 * `trace_id`/`span_id`, and the `run_id`/`correlation_id` set by `withLogContext`.
 */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not pino's numbers: operators grep for "error", not 50.
      // Credentials inside URLs (a Mongo password, a NATS token) are masked in every line, whoever
      // wrote it: fields here, the message in `logMethod`, errors in their serializer.
      formatters: { level: (label) => ({ level: label }), log: (fields) => maskUrlsDeep(fields) },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg: unknown) => (typeof arg === 'string' ? maskUrl(arg) : arg));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
      // Driver errors quote connection strings; their passwords must not reach a log line.
      serializers: { err: maskedError },
      mixin: () => {
        const { traceId, spanId } = currentTraceIds();
        return traceId ? { trace_id: traceId, span_id: spanId, ...currentLogContext() } : currentLogContext();
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

function maskedError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  if (typeof serialized === 'string') return maskUrl(serialized);
  return maskSerialized(serialized);
}

/**
 * Every field of a serialized error, not only message and stack: a driver error's own fields (a
 * server list, a nested error) may quote a URL too. pino builds these objects on its own prototype,
 * so they are walked here rather than by `maskUrlsDeep`, which only enters plain objects.
 */
function maskSerialized(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return maskUrlsDeep(value);
  const masked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) masked[key] = maskSerialized(field);
  return masked;
}
