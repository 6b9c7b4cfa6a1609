import { context, trace, type Attributes } from '@opentelemetry/api';
import { injectTraceContext } from './trace-context';
import { tracer } from './with-span';

/**
 * Starts a trace of its own, whatever trace is active: a root span `name` with `attributes`, ended
 * at once, and its W3C `traceparent` for what is sent in that trace later (a run's trace starts at
 * its dispatch and is kept with the run, so a requeued or resumed run continues it: DESIGN.md
 * section 7). Undefined when no tracer provider is registered (nothing to start a trace with).
 */
export function beginTrace(name: string, attributes: Attributes = {}): string | undefined {
  const span = tracer().startSpan(name, { root: true, attributes });
  const carrier: Record<string, string> = {};
  injectTraceContext(carrier, trace.setSpan(context.active(), span));
  span.end();
  return carrier.traceparent;
}
