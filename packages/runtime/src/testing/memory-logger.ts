import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logging';
import type { LogLevel } from '../config';

/** A parsed log line. */
export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

/** A logger whose lines are kept in memory, parsed, for the runtime's own tests. */
export interface MemoryLogger {
  readonly logger: Logger;
  /** Every line written so far, oldest first. */
  readonly lines: LogLine[];
  /** Everything written so far, as text. */
  text(): string;
}

/**
 * A real `createLogger` logger (same masking, same JSON) writing into memory. Not exported from
 * the package: shared by the runtime's tests only.
 */
export function memoryLogger(level: LogLevel = 'debug', service = 'test'): MemoryLogger {
  const lines: LogLine[] = [];
  let partial = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      partial += chunk.toString();
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return {
    logger: createLogger({ service, level, destination }),
    lines,
    text: () => lines.map((l) => JSON.stringify(l)).join('\n'),
  };
}

/** A logger that drops everything (level fatal, nothing kept). */
export function silentLogger(): Logger {
  return createLogger({
    service: 'test',
    level: 'fatal',
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
}
