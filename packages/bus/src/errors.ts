import { AutopilotError } from '@autopilot/kernel';

/** Thrown by a handler to be redelivered after `delayMs` instead of the consumer's backoff. */
export class RetryLaterError extends AutopilotError {
  readonly code = 'BUS_RETRY_LATER';
  constructor(
    readonly delayMs: number,
    message = `retry in ${delayMs} ms`,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class RequestTimeoutError extends AutopilotError {
  readonly code = 'BUS_REQUEST_TIMEOUT';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
  }
}

export class NoRespondersError extends AutopilotError {
  readonly code = 'BUS_NO_RESPONDERS';
  constructor(readonly subject: string) {
    super(`nobody serves ${subject}`);
  }
}

/** The responder threw: its code and message travel back, its stack does not. */
export class RemoteError extends AutopilotError {
  constructor(
    readonly code: string,
    readonly subject: string,
    message: string,
  ) {
    super(`${subject} failed remotely: ${message}`);
  }
}

/** The bus could not be reached or provisioned. */
export class BusUnavailableError extends AutopilotError {
  readonly code = 'BUS_UNAVAILABLE';
}
