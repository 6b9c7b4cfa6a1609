import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope } from '@autopilot/contracts';

/** The message a service is handling: what the events it causes are correlated with. */
export interface HandledMessage {
  /** The envelope id: the causation of every envelope built while handling it. */
  readonly id: string;
  readonly correlationId?: string;
  readonly projectId?: string;
}

const handled = new AsyncLocalStorage<HandledMessage>();

/**
 * Runs `fn` as the handling of `envelope`, so envelopes built inside it (however deep, across
 * awaits) carry its id as causation and its correlation and project. The service-scoped bus wraps
 * every handler and responder in it; nothing else needs to.
 */
export function handlingMessage<T>(envelope: Envelope<unknown>, fn: () => T): T {
  const message: { -readonly [K in keyof HandledMessage]: HandledMessage[K] } = { id: envelope.id };
  if (envelope.correlationId !== undefined) message.correlationId = envelope.correlationId;
  if (envelope.projectId !== undefined) message.projectId = envelope.projectId;
  return handled.run(message, fn);
}

/** The message being handled in this async context, or undefined outside a handler. */
export function currentHandledMessage(): HandledMessage | undefined {
  return handled.getStore();
}
