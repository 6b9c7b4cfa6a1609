import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

/**
 * Trace context ⇄ message headers, and the consumer span around a handler. Both adapters call
 * this, so a trace crosses the in-process bus and NATS the same way.
 *
 * The global propagator is used first (telemetry may add baggage or another format), but W3C
 * `traceparent` is also written and read here directly: without a registered SDK the global
 * propagator is a no-op, and a trace must still survive the bus (DESIGN.md section 7).
 */

const tracer = trace.getTracer('@autopilot/bus');
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Adds the active trace context (`traceparent`, and whatever the global propagator writes) to `headers`. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  const active = context.active();
  propagation.inject(active, headers);
  if (headers.traceparent === undefined) {
    const sc = trace.getSpanContext(active);
    if (sc && isSpanContextValid(sc)) headers.traceparent = formatTraceparent(sc);
  }
}

/** The remote parent context carried by a message, or the root context when it carries none. */
export function extractTraceContext(get: (key: string) => string | undefined): Context {
  const traceparent = get('traceparent');
  if (traceparent === undefined) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent };
  const tracestate = get('tracestate');
  if (tracestate !== undefined) carrier.tracestate = tracestate;
  const baggage = get('baggage');
  if (baggage !== undefined) carrier.baggage = baggage;
  const extracted = propagation.extract(ROOT_CONTEXT, carrier);
  if (trace.getSpanContext(extracted)) return extracted;
  const m = TRACEPARENT.exec(traceparent);
  if (!m) return extracted;
  const sc: SpanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(sc) ? trace.setSpanContext(extracted, sc) : extracted;
}

export interface ConsumerSpanInfo {
  readonly subject: string;
  readonly messageId: string;
  /** The consumer group; undefined for request responders. */
  readonly consumer?: string;
}

/**
 * Runs `fn` inside a consumer span `process <subject>` parented on the message's trace context, so
 * whatever the handler publishes continues the same trace. Records a thrown error on the span.
 */
export function withConsumerSpan<T>(parent: Context, info: ConsumerSpanInfo, fn: () => Promise<T>): Promise<T> {
  const attributes: Record<string, string> = {
    'messaging.system': 'nats',
    'messaging.destination.name': info.subject,
    'messaging.message.id': info.messageId,
    'messaging.operation.type': 'process',
  };
  if (info.consumer !== undefined) attributes['messaging.consumer.group.name'] = info.consumer;
  const span = tracer.startSpan(`process ${info.subject}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  let running: Promise<T>;
  try {
    running = context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    // A handler that throws before its first await still gets its span ended.
    running = Promise.reject(err);
  }
  return running.then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.end();
      throw err;
    },
  );
}
