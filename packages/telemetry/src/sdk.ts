import { context, propagation, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ServiceAttributeSpanProcessor } from './service-context';

/** A started NodeSDK; `stop()` flushes it and unregisters its globals so a later start works. */
export interface RunningSdk {
  stop(): Promise<void>;
}

/**
 * Starts one NodeSDK with exactly `spanProcessors`: AsyncLocalStorage context manager, W3C trace
 * context + baggage propagators, no instrumentations. Metrics and logs are off on purpose: NodeSDK
 * otherwise defaults both to OTLP exporters that push to localhost whenever no reader is given.
 */
export function startSdk(opts: {
  serviceName: string;
  spanProcessors: SpanProcessor[];
  detectResources: boolean;
}): RunningSdk {
  // The OTel API refuses a second global registration; clear whatever an earlier start left.
  unregisterGlobals();
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    autoDetectResources: opts.detectResources,
    // First, so the attribute is set before an exporting processor can see the span end.
    spanProcessors: [new ServiceAttributeSpanProcessor(), ...opts.spanProcessors],
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    async stop() {
      try {
        await sdk.shutdown();
      } finally {
        unregisterGlobals();
      }
    },
  };
}

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}
