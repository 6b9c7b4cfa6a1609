import {
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';

/** The tracer every Autopilot span comes from; the service is an attribute, not the tracer name. */
export const TRACER_NAME = '@autopilot/telemetry';

/** Autopilot's tracer, resolved per call so it follows whichever provider is registered now. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` in a new active span named `name`. A throw (or rejection) records the exception, sets
 * status ERROR with the error's message and is rethrown; the span always ends.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  options: Omit<SpanOptions, 'attributes'> = {},
): Promise<T> {
  return tracer().startActiveSpan(name, { ...options, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks `span` failed with `err`: an exception event plus status ERROR (and the error's code, if any). */
export function recordError(span: Span, err: unknown): void {
  if (err instanceof Error) {
    span.recordException(err);
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') span.setAttribute('error.type', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  } else {
    span.recordException(String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
  }
}
