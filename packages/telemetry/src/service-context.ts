import { context, createContextKey, type Context } from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_AUTOPILOT_SERVICE } from './attributes';

const SERVICE_KEY = createContextKey('autopilot.service');

/**
 * Runs `fn` as `service`: every span started inside it (across awaits) carries `autopilot.service`.
 * The embedded topology wraps each service's handlers in this, so six services share one SDK.
 */
export function runAsService<T>(service: string, fn: () => T): T {
  return context.with(context.active().setValue(SERVICE_KEY, service), fn);
}

/** Stamps `autopilot.service` from the context a span starts in; spans outside `runAsService` get none. */
export class ServiceAttributeSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const service = parentContext.getValue(SERVICE_KEY);
    if (typeof service === 'string') span.setAttribute(ATTR_AUTOPILOT_SERVICE, service);
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
