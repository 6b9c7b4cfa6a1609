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

/** A consumer name NATS cannot hold (`.`, `*`, `>`, spaces) or that is empty. */
export class InvalidConsumerNameError extends AutopilotError {
  readonly code = 'BUS_INVALID_CONSUMER_NAME';
  constructor(readonly consumer: string) {
    super(`consumer name "${consumer}" must match ${CONSUMER_NAME}`);
  }
}
export const CONSUMER_NAME = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The subscription would break a consumer's binding: a consumer name is bound to one subject, and a
 * command subject (a work queue) has exactly one consumer name.
 */
export class ConsumerConflictError extends AutopilotError {
  readonly code = 'BUS_CONSUMER_CONFLICT';
  constructor(
    readonly consumer: string,
    readonly subject: string,
    readonly detail: string,
  ) {
    super(`cannot bind consumer "${consumer}" to ${subject}: ${detail}`);
  }
}

/** The bus did not take a message: no stream holds the subject, the bus is closed, or the server refused. */
export class PublishFailedError extends AutopilotError {
  readonly code = 'BUS_PUBLISH_FAILED';
  constructor(
    readonly subject: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`publish on ${subject} failed: ${detail}`, options);
  }
}

/**
 * A definition used where its kind does not fit: `subscribe()` to a request, `serve()` an event or
 * a command.
 */
export class WrongMessageKindError extends AutopilotError {
  readonly code = 'BUS_WRONG_MESSAGE_KIND';
  constructor(
    readonly type: string,
    readonly kind: string,
    readonly detail: string,
  ) {
    super(`${type} is ${kind === 'event' ? 'an' : 'a'} ${kind}: ${detail}`);
  }
}

/** A reply that is not the bus's reply format (not JSON, or neither `{ reply }` nor `{ error }`). */
export class MalformedReplyError extends AutopilotError {
  readonly code = 'BUS_MALFORMED_REPLY';
  constructor(
    readonly subject: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`unreadable reply on ${subject}: ${detail}`, options);
  }
}

/**
 * A claim-checked message whose body is not in the payload store: deleted, expired past the
 * bucket's TTL, or never stored. No retry brings it back, so the message is dead-lettered.
 */
export class PayloadMissingError extends AutopilotError {
  readonly code = 'BUS_PAYLOAD_MISSING';
  constructor(
    readonly bucket: string,
    /** The object name (`name` is the error's class name). */
    readonly object: string,
  ) {
    super(`the body of a claim-checked message is missing: no object ${object} in bucket ${bucket}`);
  }
}

/** The payload store could not be read just now (server or bucket unavailable): worth a retry. */
export class PayloadUnavailableError extends AutopilotError {
  readonly code = 'BUS_PAYLOAD_UNAVAILABLE';
  constructor(
    readonly bucket: string,
    /** The object name (`name` is the error's class name). */
    readonly object: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `the body of a claim-checked message could not be read from ${bucket}/${object}: ${detail}`,
      options,
    );
  }
}
