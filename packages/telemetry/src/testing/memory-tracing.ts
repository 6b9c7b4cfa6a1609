import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startSdk } from '../sdk';

/** Tracing that keeps finished spans in memory, for assertions. */
export interface MemoryTracing {
  readonly exporter: InMemorySpanExporter;
  /** Spans finished so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** Forgets the spans finished so far. */
  reset(): void;
  /** Stops the provider and unregisters the OTel globals, so the next test can install again. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider that exports synchronously to memory, with the AsyncLocalStorage
 * context manager and W3C propagators, replacing any provider registered before. One per test file:
 * call it in `beforeAll` and `shutdown()` in `afterAll`.
 */
export function installMemoryTracing(serviceName = 'autopilot-test'): MemoryTracing {
  const exporter = new InMemorySpanExporter();
  const sdk = startSdk({
    serviceName,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    detectResources: false,
  });
  return {
    exporter,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    shutdown: () => sdk.stop(),
  };
}
