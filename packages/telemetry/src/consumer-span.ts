import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * The consumer side of a message: a `process <subject>` span parented on the trace context the
 * message carried, with OpenTelemetry's messaging attributes. Both bus adapters use it, so a trace
 * crosses the in-process bus and NATS the same way.
 */
const CONSUMER_TRACER_NAME = '@autopilot/bus';

export interface ConsumerSpanInfo {
  readonly subject: string;
  readonly messageId: string;
  /** The consumer group; undefined for request responders. */
  readonly consumer?: string;
}

/** A started consumer span and the context to run the handler in (the span as the active one). */
export interface ConsumerSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the consumer span `process <subject>` parented on the message's trace context; run the
 * handler in `.context` so whatever it publishes continues the same trace, then `endConsumerSpan`.
 */
export function startConsumerSpan(parent: Context, info: ConsumerSpanInfo): ConsumerSpan {
  const attributes: Record<string, string> = {
    'messaging.system': 'nats',
    'messaging.destination.name': info.subject,
    'messaging.message.id': info.messageId,
    'messaging.operation.type': 'process',
  };
  if (info.consumer !== undefined) attributes['messaging.consumer.group.name'] = info.consumer;
  // Resolved per call, as `tracer()` in with-span.ts: a provider registered after this module
  // loaded (the SDK starts once the process has read its config) must get these spans too.
  const span = trace
    .getTracer(CONSUMER_TRACER_NAME)
    .startSpan(`process ${info.subject}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a consumer span, recording the handler's error when it failed. */
export function endConsumerSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}

/** Runs `fn` inside a consumer span (see `startConsumerSpan`); records a thrown error on the span. */
export async function withConsumerSpan<T>(
  parent: Context,
  info: ConsumerSpanInfo,
  fn: () => Promise<T>,
): Promise<T> {
  const { span, context: ctx } = startConsumerSpan(parent, info);
  try {
    const value = await context.with(ctx, fn);
    endConsumerSpan(span);
    return value;
  } catch (err) {
    endConsumerSpan(span, err ?? new Error('handler rejected without a reason'));
    throw err;
  }
}
