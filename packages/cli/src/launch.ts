import { describeError } from '@autopilot/kernel';
import {
  configSummary,
  createLogger,
  installShutdown,
  type Logger,
  type RuntimeConfig,
  type ServiceDefinition,
} from '@autopilot/runtime';
import { type RunningTopology } from '@autopilot/runtime/topology';
import { startTelemetry } from '@autopilot/telemetry';
import { ExitCode } from './exit-codes';

export interface LaunchOptions {
  config: RuntimeConfig;
  /** The services this process runs: their settings are logged with the config. */
  services: readonly ServiceDefinition[];
  /** `autopilot` for the whole process, else the service name: the `service` field of every line. */
  service: string;
  /** `embedded` or `service`, for the config line. */
  topology: string;
  /** Effective settings the flags decided (port, dir), logged with the config. */
  settings: Record<string, unknown>;
  start: (logger: Logger) => Promise<RunningTopology>;
}

/**
 * Runs a topology until a signal: logs the masked config, starts tracing and the topology, and
 * installs graceful shutdown. A failed start is logged and ends the process with exit code 1.
 */
export async function launch(opts: LaunchOptions): Promise<void> {
  const { config } = opts;
  const logger = createLogger({ service: opts.service, level: config.logLevel });
  const telemetry = startTelemetry({ serviceName: opts.service });
  logger.info(
    {
      topology: opts.topology,
      ...opts.settings,
      config: configSummary(config, opts.services, process.env),
      telemetry: telemetry.exporter,
    },
    'config',
  );

  let running: RunningTopology | undefined;
  const stop = async (): Promise<void> => {
    try {
      await running?.stop();
    } finally {
      await telemetry.shutdown();
    }
  };
  // Installed before anything starts, so a signal during start-up still stops cleanly.
  installShutdown({ logger, timeoutMs: config.shutdownTimeoutMs, stop });

  const fail = async (err: unknown): Promise<never> => {
    logger.fatal({ err }, `could not start: ${describeError(err)}`);
    await stop().catch(() => undefined);
    process.exit(ExitCode.failed);
  };
  try {
    running = await opts.start(logger);
  } catch (err) {
    return fail(err);
  }
  running.started.catch(fail);
}
