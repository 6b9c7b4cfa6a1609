import { Argument, type Command } from 'commander';
import { SERVICES, type ServiceName } from '@autopilot/contracts/names';
import { parsePortOption } from '../port-option';
import { defaultServicePorts } from '../service-ports';

interface ServiceFlags {
  port?: number;
  host?: string;
}

/** `autopilot service <name>`: one service on JetStream (NATS_URL) and MongoDB or SQLite. */
export function addServiceCommand(program: Command): void {
  const ports = SERVICES.map((s) => `${s} ${defaultServicePorts[s]}`).join(', ');
  program
    .command('service')
    .description('run one service: bus = NATS JetStream at NATS_URL, store = MongoDB at MONGO_URL or SQLite')
    .addArgument(new Argument('<name>', 'the service to run').choices(SERVICES))
    .option(
      '-p, --port <port>',
      `HTTP port, 0 = any free port (env PORT; defaults: ${ports})`,
      parsePortOption,
    )
    .option('--host <address>', 'interface to bind (env AUTOPILOT_HOST, default 127.0.0.1)')
    .action(async (name: ServiceName, flags: ServiceFlags) => {
      // The services and the single-service topology load only when `service` runs.
      /* eslint-disable @typescript-eslint/no-require-imports -- lazy, see above */
      const { loadConfig, readServiceSettings } =
        require('@autopilot/runtime') as typeof import('@autopilot/runtime');
      const { startSingleService } =
        require('@autopilot/runtime/topology') as typeof import('@autopilot/runtime/topology');
      const { launch } = require('../launch') as typeof import('../launch');
      const { serviceCatalog } = require('../service-catalog') as typeof import('../service-catalog');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const env = loadConfig();
      const definition = serviceCatalog[name];
      // Before anything binds: a bad setting exits 2 naming its variable.
      const settings = readServiceSettings([definition], process.env).get(name);
      const port = flags.port ?? env.port ?? defaultServicePorts[name];
      const host = flags.host ?? env.host;
      // The logged config is what runs: flags win over the environment.
      const config = { ...env, port, host };
      await launch({
        config,
        services: [definition],
        service: name,
        topology: 'service',
        settings: { port, host, store: config.mongoUrl ? 'mongodb' : 'sqlite' },
        start: (logger) =>
          startSingleService({
            definition,
            natsUrls: config.natsUrls,
            ...(config.natsAuth ? { natsAuth: config.natsAuth } : {}),
            ...(config.natsTls ? { natsTls: config.natsTls } : {}),
            ...(config.mongoUrl ? { mongoUrl: config.mongoUrl } : {}),
            dir: config.dir,
            port,
            host,
            outboxIntervalMs: config.outboxIntervalMs,
            inboxRetentionMs: config.inboxRetentionMs,
            maxMessageBytes: config.maxMessageBytes,
            ...(config.duplicateWindowMs === undefined
              ? {}
              : { duplicateWindowMs: config.duplicateWindowMs }),
            logger,
            ...(settings !== undefined ? { settings } : {}),
          }),
      });
    });
}
