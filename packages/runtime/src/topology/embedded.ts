import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InProcessMessageBus } from '@autopilot/bus';
import { openSqliteStore, type DocumentStore } from '@autopilot/store';
import type { Logger } from 'pino';
import { createHttpRoutes, Readiness, startHttpServer } from '../http';
import { busLogFor, PinoNestLogger } from '../logging';
import { startServiceHost, type ServiceHost } from '../service-host';
import type { ServiceDefinition } from '../service-definition';
import { ServiceScopedBus } from '../service-scoped-bus';
import type { RunningTopology } from './running-topology';
import { runStopSequence } from './stop-sequence';

export interface EmbeddedOptions {
  services: readonly ServiceDefinition[];
  /** Holds `<service>.db` for each service; created when missing. */
  dir: string;
  port: number;
  host: string;
  outboxIntervalMs: number;
  /** The process logger; each service logs through a child carrying its name. */
  logger: Logger;
}

/**
 * Every service in this process (DESIGN.md section 1, embedded): one in-process bus, one SQLite
 * file per service under `dir`, one HTTP server. Resolves once HTTP listens; `started` settles
 * when every service is up.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<RunningTopology> {
  const { logger } = opts;
  const dir = resolve(opts.dir);
  const readiness = new Readiness();
  readiness.expect('bus');
  for (const s of opts.services) {
    readiness.expect(`store:${s.name}`);
    readiness.expect(`service:${s.name}`);
  }
  const routes = createHttpRoutes();
  const http = await startHttpServer({ port: opts.port, host: opts.host, readiness, routes, logger });
  logger.info({ port: http.port, url: http.url }, `HTTP listening on ${http.url}`);

  const bus = new InProcessMessageBus({ source: 'autopilot', log: busLogFor(logger) });
  const stores: { name: string; store: DocumentStore }[] = [];
  const hosts: ServiceHost[] = [];
  let stopping = false;
  const nestLogger = new PinoNestLogger(logger);

  const boot = async (): Promise<void> => {
    readiness.ready('bus');
    await mkdir(dir, { recursive: true });
    for (const definition of opts.services) {
      if (stopping) return;
      const file = join(dir, `${definition.name}.db`);
      const store = await openSqliteStore({ file });
      stores.push({ name: definition.name, store });
      readiness.ready(`store:${definition.name}`);
      const host = await startServiceHost({
        definition,
        bus: new ServiceScopedBus(bus, definition.name),
        store,
        routes,
        logger: logger.child({ service: definition.name }),
        outboxIntervalMs: opts.outboxIntervalMs,
        nestLogger,
      });
      hosts.push(host);
      readiness.ready(`service:${definition.name}`);
    }
    logger.info(
      { port: http.port, url: http.url, dir, services: opts.services.map((s) => s.name) },
      `autopilot up: ${opts.services.length} services ready on ${http.url}`,
    );
  };
  const started = boot();
  // `started` is the caller's to observe; this keeps an early stop from leaving it unhandled.
  const settled = started.catch(() => undefined);

  return {
    port: http.port,
    url: http.url,
    readiness,
    routes,
    started,
    async stop() {
      stopping = true;
      readiness.shutdown();
      await settled;
      await runStopSequence(
        [
          hosts.map((h) => ({ name: `service ${h.name}`, run: () => h.close() })),
          stores.map((s) => ({ name: `store ${s.name}`, run: () => s.store.close() })),
          [{ name: 'bus', run: () => bus.close() }],
          [{ name: 'http', run: () => http.close() }],
        ],
        logger,
      );
    },
  };
}
