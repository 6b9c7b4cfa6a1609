import { AutopilotError } from '@autopilot/kernel';

/**
 * Refuses a delivery for good under the thrower's own code (a provenance check, a size cap): the bus
 * dead-letters it at once, as it does a NonRetryableError, and the letter keeps that code and the
 * message as the reason.
 */
export abstract class RefusedDeliveryError extends AutopilotError {
  /** Read by duck type, as codes are: an error from another copy of this package still counts. */
  readonly refusesDelivery = true;
}

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

/**
 * A message larger than the consumer takes (`maxMessageBytes`), said by its claim check's
 * `Ap-Payload-Bytes`, by the payload store, or found while reading it (a header can lie). Never
 * read whole into memory; dead-lettered, since no retry makes it smaller.
 */
export class PayloadTooLargeError extends RefusedDeliveryError {
  readonly code = 'BUS_PAYLOAD_TOO_LARGE';
  constructor(
    readonly subject: string,
    /** The size found: at least this many bytes (reading stops past the cap). */
    readonly bytes: number,
    readonly maxBytes: number,
    /** Where the size was read: `header`, `store`, `read` or `body`. */
    readonly measured: 'header' | 'store' | 'read' | 'body',
  ) {
    super(
      `the message on ${subject} is ${measured === 'read' ? 'more than ' : ''}${bytes} bytes ` +
        `(${measured === 'header' ? 'its Ap-Payload-Bytes header' : measured === 'store' ? 'its stored body' : measured === 'read' ? 'read so far' : 'its body'}); ` +
        `this consumer takes at most ${maxBytes} (maxMessageBytes, AUTOPILOT_MAX_MESSAGE_BYTES)`,
    );
  }
}

/**
 * nats-server refused an operation under this connection's permissions: the user may not publish or
 * subscribe on `subject`. No retry helps until an operator changes the server's permissions, so a
 * start that meets one fails with it (deploy/nats-permissions.conf lists what each service needs).
 */
export class BusPermissionDeniedError extends AutopilotError {
  readonly code = 'BUS_PERMISSION_DENIED';
  constructor(
    readonly operation: 'publish' | 'subscribe',
    readonly subject: string,
    /** Which credential the connection used (`user/password (user "planner")`), never its secret. */
    readonly credential: string,
    /** What the bus was doing: `provisioning the streams`, `binding consumer x`. */
    readonly doing: string,
    options?: ErrorOptions,
  ) {
    super(
      `NATS permission denied: this connection's user (${credential}) may not ${operation} ` +
        `on "${subject}" (${doing}); the server's permissions for this user must allow it`,
      options,
    );
  }
}
