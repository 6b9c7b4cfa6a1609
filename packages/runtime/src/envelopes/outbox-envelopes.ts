import { buildEnvelope, type Envelope, type MessageDef, type PayloadOf } from '@autopilot/contracts';
import type { Clock, IdSource } from '@autopilot/kernel';
import { ATTR_AUTOPILOT_SERVICE, beginTrace, injectTraceContext } from '@autopilot/telemetry';
import { currentHandledMessage } from './handled-message';

/** What a producer may set on an envelope; everything else is stamped. */
export interface EnvelopeRouting {
  readonly projectId?: string;
  /** The run or job; default the correlation of the message being handled. */
  readonly correlationId?: string;
  /** Default the id of the message being handled. */
  readonly causationId?: string;
  /**
   * The trace to continue (W3C `traceparent`) instead of the active one: a run's trace, begun at its
   * dispatch (`beginTrace`) and kept with the run, for what is sent for it later from another
   * message's handling or a tick (DESIGN.md section 7: one trace per run).
   */
  readonly traceparent?: string;
}

/**
 * Builds the envelopes a service appends to its outbox (DESIGN.md sections 3, 4 and 7). The one way
 * a service wraps an event or command: the relay publishes outside the producer's span, so the
 * trace, correlation and causation must be on the envelope when it is built, or they are lost.
 */
export interface OutboxEnvelopes {
  /**
   * Validates `data` against `def` strictly (throws ContractViolationError) and wraps it with a new
   * id, the clock's time, the service as `source`, the active trace context as `traceparent`, and,
   * while a message is being handled, that message's id as `causationId` and its `correlationId`
   * and `projectId` (the payload's own `projectId` before the handled message's); `routing`
   * overrides those three, and `routing.traceparent` the active trace.
   */
  build<D extends MessageDef>(def: D, data: PayloadOf<D>, routing?: EnvelopeRouting): Envelope<PayloadOf<D>>;
  /**
   * Begins a trace of its own, whatever trace is active: a root span `name` (attributed to this
   * service), ended at once; its `traceparent` for `routing.traceparent`. Undefined when tracing is
   * not set up in this process.
   */
  beginTrace(
    name: string,
    attributes?: Readonly<Record<string, string | number | boolean>>,
  ): string | undefined;
}
/** Injection token for OutboxEnvelopes (the runtime provides one per service). */
export const OutboxEnvelopes = Symbol('OutboxEnvelopes');

/** The OutboxEnvelopes of one service (the runtime's, or an in-process caller's such as the CLI). */
export function outboxEnvelopesFor(stamp: {
  /** The producing service (or tool, such as the CLI). */
  readonly source: string;
  readonly clock: Clock;
  readonly ids: IdSource;
}): OutboxEnvelopes {
  return {
    build(def, data, routing = {}) {
      const handled = currentHandledMessage();
      const carrier: Record<string, string> = {};
      if (routing.traceparent !== undefined) carrier.traceparent = routing.traceparent;
      else injectTraceContext(carrier);
      // The payload's own project first: consumers refuse an envelope naming another (provenance).
      const own = (data as { projectId?: unknown } | null)?.projectId;
      const projectId = routing.projectId ?? (typeof own === 'string' ? own : handled?.projectId);
      const correlationId = routing.correlationId ?? handled?.correlationId;
      const causationId = routing.causationId ?? handled?.id;
      return buildEnvelope(def, data, {
        id: stamp.ids.next(),
        time: stamp.clock.isoNow(),
        source: stamp.source,
        ...(projectId !== undefined ? { projectId } : {}),
        ...(correlationId !== undefined ? { correlationId } : {}),
        ...(causationId !== undefined ? { causationId } : {}),
        ...(carrier.traceparent !== undefined ? { traceparent: carrier.traceparent } : {}),
      });
    },
    beginTrace(name, attributes = {}) {
      return beginTrace(name, { ...attributes, [ATTR_AUTOPILOT_SERVICE]: stamp.source });
    },
  };
}
