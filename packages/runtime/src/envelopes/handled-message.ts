import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '@autopilot/contracts';

/** The message a service is handling: what the events it causes are correlated with. */
export interface HandledMessage {
  /** The envelope id: the causation of every envelope built while handling it. */
  readonly id: string;
  readonly correlationId?: string;
  readonly projectId?: string;
  /**
   * The durable consumer handling it: the inbox records the message under this name. Absent while
   * answering a request (request/reply has no redelivery, so no inbox).
   */
  readonly consumer?: string;
  /** This one handling (one delivery of the message being processed): unique per process run. */
  readonly handling: string;
}

const handled = new AsyncLocalStorage<HandledMessage>();

/**
 * Runs `fn` as the handling of `envelope`, so envelopes built inside it (however deep, across
 * awaits) carry its id as causation and its correlation and project, and, with `consumer`, so the
 * repository commit that completes it records it in that consumer's inbox (recordHandledMessage).
 * The service-scoped bus wraps every handler and responder in it; nothing else needs to.
 */
export function handlingMessage<T>(envelope: Envelope<unknown>, fn: () => T, consumer?: string): T {
  const message: { -readonly [K in keyof HandledMessage]: HandledMessage[K] } = {
    id: envelope.id,
    handling: randomUUID(),
  };
  if (envelope.correlationId !== undefined) message.correlationId = envelope.correlationId;
  if (envelope.projectId !== undefined) message.projectId = envelope.projectId;
  if (consumer !== undefined) message.consumer = consumer;
  return handled.run(message, fn);
}

/** The message being handled in this async context, or undefined outside a handler. */
export function currentHandledMessage(): HandledMessage | undefined {
  return handled.getStore();
}
