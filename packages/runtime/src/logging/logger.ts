import pino, { type DestinationStream, type Logger } from 'pino';
import { currentTraceIds } from '@autopilot/telemetry';
import { maskUrl, type LogLevel } from '../config';
import { currentLogContext } from './log-context';

export type { Logger } from 'pino';

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
      formatters: { level: (label) => ({ level: label }) },
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
  if (!serialized || typeof serialized !== 'object') return serialized;
  const { message, stack } = serialized as { message?: unknown; stack?: unknown };
  return {
    ...serialized,
    ...(typeof message === 'string' ? { message: maskUrl(message) } : {}),
    ...(typeof stack === 'string' ? { stack: maskUrl(stack) } : {}),
  };
}
