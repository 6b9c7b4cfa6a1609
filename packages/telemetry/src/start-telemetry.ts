import { diag } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type * as SdkExporters from './sdk-exporters';

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
  sdk: SdkExporters.ExportingSdk;
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
    const sdk = loadSdkExporters().startExportingSdk(opts.serviceName, exporter);
    active = { exporter, sdk, users: 0 };
  }
  return holdActive(active);
}

function holdActive(held: Active): Telemetry {
  held.users += 1;
  let released = false;
  return {
    exporter: held.exporter,
    spans: () => held.sdk.spans(),
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

/**
 * The OTel SDK and its exporters (~26 MB of modules) load on the first start, not when this package
 * is imported: every bus and logger imports it for trace context, and most processes (`autopilot
 * plan`, tests) never start tracing. A plain `require` because the start is synchronous: spans begun
 * right after `startTelemetry` returns must be recorded.
 */
function loadSdkExporters(): typeof SdkExporters {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
  return require('./sdk-exporters') as typeof SdkExporters;
}

function defaultExporter(): TelemetryExporter {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return endpoint ? 'otlp' : 'none';
}
