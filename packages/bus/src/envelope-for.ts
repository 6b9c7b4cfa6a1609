import { buildEnvelope, type Envelope, type MessageDef, type PayloadOf } from '@autopilot/contracts';
import type { Clock, IdSource } from '@autopilot/kernel';
import { injectTraceContext } from '@autopilot/telemetry';
import type { PublishOptions } from './message-bus';

/** Who stamps the envelopes an adapter builds. */
export interface EnvelopeStamp {
  readonly source: string;
  readonly clock: Clock;
  readonly ids: IdSource;
}

/** A message ready to send: its envelope and the transport headers that travel with it. */
export interface Outgoing<P> {
  readonly envelope: Envelope<P>;
  readonly headers: Record<string, string>;
}

/**
 * The publish side of both adapters (publish and request): validates the payload (throws
 * ContractViolationError), stamps id, time and source, and copies the active trace context into the
 * headers and the envelope alike. `projectId` defaults to the payload's.
 */
export function envelopeFor<D extends MessageDef>(
  def: D,
  payload: PayloadOf<D>,
  opts: PublishOptions,
  stamp: EnvelopeStamp,
): Outgoing<PayloadOf<D>> {
  const headers: Record<string, string> = { ...opts.headers };
  injectTraceContext(headers);
  const envelope = buildEnvelope(def, payload, {
    id: opts.id ?? stamp.ids.next(),
    time: stamp.clock.isoNow(),
    source: stamp.source,
    // An envelope names the project its payload is about: consumers refuse the two disagreeing.
    projectId: opts.projectId ?? payloadProjectId(payload),
    correlationId: opts.correlationId,
    causationId: opts.causationId,
    traceparent: headers.traceparent,
  });
  return { envelope, headers };
}

/** The payload's own `projectId`, when it is an object that carries one. */
function payloadProjectId(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const projectId = (payload as { projectId?: unknown }).projectId;
  return typeof projectId === 'string' ? projectId : undefined;
}

/**
 * The headers of an envelope built earlier (the outbox relay): the relay runs outside the
 * producer's span, so the envelope's own traceparent is the right one.
 */
export function relayHeaders(envelope: Envelope): Record<string, string> {
  return envelope.traceparent === undefined ? {} : { traceparent: envelope.traceparent };
}
