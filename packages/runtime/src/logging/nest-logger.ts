import type { LoggerService } from '@nestjs/common';
import type { Logger } from './logger';

/**
 * Nest's own logging routed into pino, so every line is JSON. Nest's chatty `log`/`verbose`
 * (module init, route mapping: plain strings) go to debug/trace: quiet at the default `info` level.
 * A service's own line through Nest's Logger (`logger.log({ msg, ...fields })`, as the services'
 * log ports write them) keeps its level, `log` being info, with its fields at the top.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optional: unknown[]): void {
    this.write(serviceLine(message) ? 'info' : 'debug', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  /** Nest passes `(message, context)` or `(message, stack, context)`: the last string is the context. */
  private write(
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal',
    message: unknown,
    optional: unknown[],
  ): void {
    const strings = optional.filter((o): o is string => typeof o === 'string');
    const context = strings.length > 0 ? strings[strings.length - 1] : undefined;
    const stack = strings.length > 1 ? strings[0] : undefined;
    const fields: Record<string, unknown> = { nest_context: context };
    if (stack) fields['stack'] = stack;
    if (serviceLine(message)) {
      const { msg, ...rest } = message;
      this.logger[level]({ ...rest, ...fields }, msg);
    } else if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'string') this.logger[level](fields, message);
    else this.logger[level]({ ...fields, detail: message }, 'nest');
  }
}

/** A service's structured line: an object with its message in `msg` (Nest's own lines are strings). */
function serviceLine(message: unknown): message is { msg: string } & Record<string, unknown> {
  return (
    typeof message === 'object' &&
    message !== null &&
    !(message instanceof Error) &&
    typeof (message as { msg?: unknown }).msg === 'string'
  );
}
