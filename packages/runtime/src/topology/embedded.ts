import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { createHttpRoutes, Readiness, startHttpServer } from '../http';
import { busLogFor, PinoNestLogger, type Logger } from '../logging';
import { startServiceHost, type ServiceHost } from '../service-host';
import type { ServiceDefinition } from '../service-definition';
import type { SettingsByService } from '../settings';
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
  /**
   * On stop, how long each outbox relay waits for what it already published to be consumed before
   * leaving it pending for the next start. Default 2000.
   */
  relayStopGraceMs?: number;
  /**
   * The in-process bus to run on, for a caller that publishes and subscribes on it too (`autopilot
   * plan`); it needs `settle: 'on-consume'`. Default: a new one. Either way `stop()` closes it.
   */
  bus?: InProcessMessageBus;
  /** Each service's parsed settings (`readServiceSettings`); a service missing here runs on its defaults. */
  settings?: SettingsByService;
  /** How long each service's inbox remembers a handled message. Default 30 days. */
  inboxRetentionMs?: number;
  /** The new in-process bus's de-duplication window (not applied to a `bus` passed in). Default 2 minutes. */
  duplicateWindowMs?: number;
  /**
   * The cap on one message body: the new in-process bus's (a `bus` passed in keeps its own, so pass
   * it the same), and every service's outbox refuses a larger envelope at its commit. Default 64 MiB.
   */
  maxMessageBytes?: number;
}

/**
 * Every service in this process (DESIGN.md section 1, embedded): one in-process bus, one SQLite
 * file per service under `dir`, one HTTP server. Resolves once HTTP listens; `started` settles
 * when every service is up.
 *
 * Nothing on the in-process bus survives the process, so its publishes settle only once consumed
 * (`settle: 'on-consume'`): an outbox entry is marked published only after every consumer group
 * bound to its subject took it. A stop, or a crash, before that leaves the entry pending in the
 * producer's store; the next start publishes it again and the consumer's inbox drops a repeat
 * (DESIGN.md section 4).
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

  const bus =
    opts.bus ??
    new InProcessMessageBus({
      source: 'autopilot',
      log: busLogFor(logger),
      settle: 'on-consume',
      ...(opts.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: opts.duplicateWindowMs }),
      ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
    });
  const stores: { name: string; store: DocumentStore }[] = [];
  const hosts: ServiceHost[] = [];
  let stopping = false;
  const nestLogger = new PinoNestLogger(logger);

  const boot = async (): Promise<void> => {
    readiness.ready('bus');
    await mkdir(dir, { recursive: true });
    for (const definition of opts.services) {
      if (stopping) return;
      const serviceLogger = logger.child({ service: definition.name });
      const file = join(dir, `${definition.name}.db`);
      const store = await openSqliteStore({
        file,
        onBackgroundError: (err) => serviceLogger.error({ err }, 'store background purge failed'),
      });
      stores.push({ name: definition.name, store });
      readiness.ready(`store:${definition.name}`);
      const host = await startServiceHost({
        definition,
        bus,
        store,
        routes,
        logger: serviceLogger,
        outboxIntervalMs: opts.outboxIntervalMs,
        nestLogger,
        // Started below, once every service has subscribed: an event published before its
        // consumers exist would settle at once, unconsumed, and a crash then would lose it.
        startRelay: false,
        relayStopGraceMs: opts.relayStopGraceMs ?? 2000,
        ...(opts.inboxRetentionMs === undefined ? {} : { inboxRetentionMs: opts.inboxRetentionMs }),
        ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
        ...(opts.settings?.has(definition.name) ? { settings: opts.settings.get(definition.name) } : {}),
      });
      hosts.push(host);
      readiness.ready(`service:${definition.name}`);
    }
    if (stopping) return;
    for (const host of hosts) host.relay.start();
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
      // Order matters: every relay stops publishing before any service stops consuming, so a
      // last publish never waits on a consumer that has already gone. What handlers still
      // commit while they finish stays pending for the next start.
      await runStopSequence(
        [
          hosts.map((h) => ({ name: `relay ${h.name}`, run: () => h.stopPublishing() })),
          hosts.map((h) => ({ name: `service ${h.name}`, run: () => h.stopConsuming() })),
          stores.map((s) => ({ name: `store ${s.name}`, run: () => s.store.close() })),
          [{ name: 'bus', run: () => bus.close() }],
          [{ name: 'http', run: () => http.close() }],
        ],
        logger,
      );
    },
  };
}
