import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { startSdk } from './sdk';
import type { TelemetryExporter } from './start-telemetry';

/** A started SDK exporting to one place; `spans()` is what the `memory` exporter holds. */
export interface ExportingSdk {
  spans(): readonly ReadableSpan[];
  stop(): Promise<void>;
}

/**
 * Starts the NodeSDK with the span processors `exporter` asks for. Everything heavy of tracing
 * (NodeSDK, the OTLP exporter, sdk-trace-base) is reached from here only, and `startTelemetry`
 * loads this module on its first start: a process that never starts tracing never loads them.
 */
export function startExportingSdk(serviceName: string, exporter: TelemetryExporter): ExportingSdk {
  const memory = exporter === 'memory' ? new InMemorySpanExporter() : undefined;
  const sdk = startSdk({
    serviceName,
    spanProcessors: processorsFor(exporter, memory),
    // Host and process detectors are worth their cost only when spans leave the process.
    detectResources: exporter === 'otlp',
  });
  return {
    spans: () => memory?.getFinishedSpans() ?? [],
    stop: () => sdk.stop(),
  };
}

function processorsFor(exporter: TelemetryExporter, memory?: InMemorySpanExporter): SpanProcessor[] {
  switch (exporter) {
    case 'otlp':
      // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and headers from the environment.
      return [new BatchSpanProcessor(new OTLPTraceExporter())];
    case 'memory':
      return memory ? [new SimpleSpanProcessor(memory)] : [];
    case 'none':
      return [];
    default: {
      const unknown: never = exporter;
      throw new TypeError(`unknown telemetry exporter ${String(unknown)}`);
    }
  }
}
