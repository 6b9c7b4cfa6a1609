import { AutopilotError } from '@autopilot/kernel';

/** An `@EventPattern` without `{ consumer }`: the bus cannot bind a durable consumer without a name. */
export class MissingConsumerError extends AutopilotError {
  readonly code = 'TRANSPORT_MISSING_CONSUMER';
  constructor(readonly subject: string) {
    super(
      `@EventPattern('${subject}') has no consumer name: pass { consumer: '<service>-<message>' } ` +
        `as the decorator's extras`,
    );
  }
}

/** A pattern that names no known message definition. */
export class UnknownSubjectError extends AutopilotError {
  readonly code = 'TRANSPORT_UNKNOWN_SUBJECT';
  constructor(readonly pattern: string) {
    super(`no message definition for pattern ${pattern}: patterns must be a contract's subject`);
  }
}

/** `@MessagePattern` on an event or command, or `@EventPattern` on a request. */
export class PatternKindMismatchError extends AutopilotError {
  readonly code = 'TRANSPORT_PATTERN_KIND_MISMATCH';
  constructor(
    readonly subject: string,
    readonly kind: string,
    readonly decorator: '@EventPattern' | '@MessagePattern',
  ) {
    const wanted = decorator === '@EventPattern' ? '@MessagePattern' : '@EventPattern';
    super(`${subject} is a ${kind}: handle it with ${wanted}, not ${decorator}`);
  }
}

/** Two handlers in one app share a subject and a consumer name, so each would see only some messages. */
export class DuplicateConsumerError extends AutopilotError {
  readonly code = 'TRANSPORT_DUPLICATE_CONSUMER';
  constructor(
    readonly subject: string,
    readonly consumer: string,
  ) {
    super(`two handlers of ${subject} share the consumer name ${consumer}`);
  }
}

/**
 * A handler's stream failed with something that is not an Error: what Nest's default exception
 * filter emits (`{ status: 'error', message }`) when `BusExceptionFilter` is not registered, or an
 * `RpcException`'s payload. A string `code` on that value is kept, so the bus still branches on it.
 */
export class HandlerFailedError extends AutopilotError {
  readonly code: string;
  constructor(
    readonly subject: string,
    readonly value: unknown,
  ) {
    const { code, message } = (typeof value === 'object' && value !== null ? value : {}) as {
      code?: unknown;
      message?: unknown;
    };
    super(`handler of ${subject} failed: ${typeof message === 'string' ? message : String(value)}`);
    this.code = typeof code === 'string' ? code : 'TRANSPORT_HANDLER_FAILED';
  }
}
