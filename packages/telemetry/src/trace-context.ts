import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

/** Message headers as a record, or a lookup (NATS headers are read one key at a time). */
export type HeaderSource =
  Readonly<Record<string, string | undefined>> | ((key: string) => string | undefined);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const PROPAGATED = ['traceparent', 'tracestate', 'baggage'] as const;

function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Writes the trace context of `ctx` into `carrier`: whatever the global propagator writes, and W3C
 * `traceparent` directly when it wrote none. Without a registered SDK the global propagator is a
 * no-op, and a trace must still survive the bus (DESIGN.md section 7).
 */
export function injectTraceContext(carrier: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier);
  if (carrier.traceparent === undefined) {
    const sc = trace.getSpanContext(ctx);
    if (sc && isSpanContextValid(sc)) carrier.traceparent = formatTraceparent(sc);
  }
}

/**
 * The remote parent context carried by message headers, on top of `base` (the root context by
 * default: a consumer does not inherit whatever happens to be active). Falls back to parsing
 * `traceparent` itself when the global propagator extracts nothing.
 */
export function extractTraceContext(source: HeaderSource, base: Context = ROOT_CONTEXT): Context {
  const get = typeof source === 'function' ? source : (key: string) => source[key];
  const carrier: Record<string, string> = {};
  for (const key of PROPAGATED) {
    const value = get(key);
    if (value !== undefined) carrier[key] = value;
  }
  if (carrier.traceparent === undefined) return base;
  const extracted = propagation.extract(base, carrier);
  if (trace.getSpanContext(extracted)) return extracted;
  const m = TRACEPARENT.exec(carrier.traceparent);
  if (!m) return extracted;
  const sc: SpanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(sc) ? trace.setSpanContext(extracted, sc) : extracted;
}

/** Runs `fn` inside the trace context carried by `carrier` (a consumer's side of `injectTraceContext`). */
export function withTraceContext<T>(carrier: HeaderSource, fn: () => T): T {
  return context.with(extractTraceContext(carrier), fn);
}

/** The active trace and span ids, for structured log lines; empty when no span is active. */
export function currentTraceIds(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
