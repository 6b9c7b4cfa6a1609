import type { Command } from 'commander';
import { parsePortOption } from '../port-option';

/** The `up` port unless `--port` or `PORT` says otherwise. */
export const DEFAULT_UP_PORT = 4000;

interface UpFlags {
  dir?: string;
  port?: number;
  host?: string;
}

/** `autopilot up`: every service in this process, in-process bus, one SQLite file per service. */
export function addUpCommand(program: Command): void {
  program
    .command('up')
    .description('run all six services in this process (in-process bus, SQLite stores under --dir)')
    .option(
      '-d, --dir <path>',
      'where the stores live, one <service>.db each (env AUTOPILOT_DIR, default .autopilot)',
    )
    .option(
      '-p, --port <port>',
      `HTTP port, 0 = any free port (env PORT, default ${DEFAULT_UP_PORT})`,
      parsePortOption,
    )
    .option('--host <address>', 'interface to bind (env AUTOPILOT_HOST, default 127.0.0.1)')
    .action(async (flags: UpFlags) => {
      // Every service and the embedded topology load only when `up` runs.
      /* eslint-disable @typescript-eslint/no-require-imports -- lazy, see above */
      const { loadConfig, readServiceSettings } =
        require('@autopilot/runtime') as typeof import('@autopilot/runtime');
      const { startEmbedded } =
        require('@autopilot/runtime/topology') as typeof import('@autopilot/runtime/topology');
      const { launch } = require('../launch') as typeof import('../launch');
      const { allServices } = require('../service-catalog') as typeof import('../service-catalog');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const env = loadConfig();
      // Before anything binds: a bad setting exits 2 naming its variable.
      const settings = readServiceSettings(allServices, process.env);
      const dir = flags.dir ?? env.dir;
      const port = flags.port ?? env.port ?? DEFAULT_UP_PORT;
      const host = flags.host ?? env.host;
      await launch({
        // The logged config is what runs: flags win over the environment.
        config: { ...env, dir, port, host },
        services: allServices,
        service: 'autopilot',
        topology: 'embedded',
        settings: { dir, port, host },
        start: (logger) =>
          startEmbedded({
            services: allServices,
            dir,
            port,
            host,
            outboxIntervalMs: env.outboxIntervalMs,
            inboxRetentionMs: env.inboxRetentionMs,
            maxMessageBytes: env.maxMessageBytes,
            ...(env.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: env.duplicateWindowMs }),
            logger,
            settings,
          }),
      });
    });
}
