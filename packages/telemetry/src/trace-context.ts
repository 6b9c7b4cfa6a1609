import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';

/**
 * Writes the active trace context into `carrier` as W3C `traceparent` (and `tracestate`) headers.
 * Uses the global propagator: a no-op until `startTelemetry()` or `installMemoryTracing()` ran.
 */
export function injectTraceContext(carrier: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, defaultTextMapSetter);
}

/** Reads W3C trace context from message headers into a Context to run the handler in. */
export function extractTraceContext(
  carrier: Readonly<Record<string, string | undefined>>,
  base: Context = context.active(),
): Context {
  return propagation.extract(base, carrier, defaultTextMapGetter);
}

/** Runs `fn` inside the trace context carried by `carrier` (a consumer's side of `injectTraceContext`). */
export function withTraceContext<T>(carrier: Readonly<Record<string, string | undefined>>, fn: () => T): T {
  return context.with(extractTraceContext(carrier), fn);
}

/** The active trace and span ids, for structured log lines; empty when no span is active. */
export function currentTraceIds(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
