/**
 * The one base for Autopilot's errors. Branch on `code` across packages and processes, never on
 * `message`; data lives on typed fields; wrap with `{ cause }`.
 */
export abstract class AutopilotError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A handler's verdict that retrying cannot help: the bus terminates the message and dead-letters it. */
export class NonRetryableError extends AutopilotError {
  readonly code = 'BUS_NON_RETRYABLE';
}

/** Invalid configuration: names the variable or flag and what was wrong with it. */
export class ConfigError extends AutopilotError {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

export const hasCode = (e: unknown, code: string): boolean =>
  e instanceof Error && (e as Partial<AutopilotError>).code === code;

/** A readable one-line description of anything thrown, for logs. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as Partial<AutopilotError>).code;
    return code ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
