import { diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { startSdk, type RunningSdk } from './sdk';

/** Where finished spans go: OTLP over HTTP (Jaeger), process memory (tests, demos), or nowhere. */
export type TelemetryExporter = 'otlp' | 'memory' | 'none';

export interface TelemetryOptions {
  /**
   * The OTel `service.name` of this process. The embedded topology hosts every service in one
   * process and passes `autopilot`; services are told apart by `autopilot.service` (see `runAsService`).
   */
  serviceName: string;
  /** Default: `otlp` when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set, else `none`. */
  exporter?: TelemetryExporter;
}

/** The process's telemetry; `shutdown()` flushes pending spans and is safe to call twice. */
export interface Telemetry {
  readonly exporter: TelemetryExporter;
  /** Finished spans held in memory; always empty unless the exporter is `memory`. */
  spans(): readonly ReadableSpan[];
  shutdown(): Promise<void>;
}

interface Active {
  exporter: TelemetryExporter;
  sdk: RunningSdk;
  memory?: InMemorySpanExporter;
  users: number;
}
let active: Active | undefined;

/**
 * Starts tracing for this process: one NodeSDK per process, however many services it hosts. A
 * second call while one is running shares it (its options are ignored, with a diag warning) and the
 * SDK stops when the last holder shuts down. Even with `none`, context propagation is installed, so
 * trace ids still flow through messages and log lines.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const exporter = opts.exporter ?? defaultExporter();
  if (active) {
    if (active.exporter !== exporter) {
      diag.warn(`telemetry already started with exporter ${active.exporter}; ignoring ${exporter}`);
    }
  } else {
    const memory = exporter === 'memory' ? new InMemorySpanExporter() : undefined;
    const sdk = startSdk({
      serviceName: opts.serviceName,
      spanProcessors: processorsFor(exporter, memory),
      // Host and process detectors are worth their cost only when spans leave the process.
      detectResources: exporter === 'otlp',
    });
    active = { exporter, sdk, users: 0, ...(memory ? { memory } : {}) };
  }
  return holdActive(active);
}

function holdActive(held: Active): Telemetry {
  held.users += 1;
  let released = false;
  return {
    exporter: held.exporter,
    spans: () => held.memory?.getFinishedSpans() ?? [],
    async shutdown() {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users > 0) return;
      if (active === held) active = undefined;
      await held.sdk.stop();
    },
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

function defaultExporter(): TelemetryExporter {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return endpoint ? 'otlp' : 'none';
}
