import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BusPermissionDeniedError } from '@autopilot/bus';
import type { JetStreamMessageBus } from '@autopilot/bus/jetstream';
import { type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { maskUrl, type NatsAuthConfig, type NatsTlsConfig } from '../config';
import { busLogFor, type Logger } from '../logging';
import { createHttpRoutes, Readiness, startHttpServer } from '../http';
import { startServiceHost, type ServiceHost } from '../service-host';
import type { ServiceDefinition } from '../service-definition';
import { ConnectAbortedError } from '@autopilot/kernel';
import { connectLogged } from './connect-logged';
import type { RunningTopology } from './running-topology';
import { runStopSequence, type StopStep } from './stop-sequence';
import { watchBusConnection } from './watch-bus-connection';

/*
 * The JetStream bus and the MongoDB store load when a single service first connects to them, not
 * when this entry point is imported: the embedded topology (`up`, `plan`) shares it and needs
 * neither driver (NATS ~11 MB of RSS, MongoDB ~23 MB), and without MONGO_URL the store is SQLite.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose, see above */
const jetStreamAdapter = (): typeof import('@autopilot/bus/jetstream') => require('@autopilot/bus/jetstream');
const mongoStoreAdapter = (): typeof import('@autopilot/store/mongodb') =>
  require('@autopilot/store/mongodb');
/* eslint-enable @typescript-eslint/no-require-imports */

export interface SingleServiceOptions {
  definition: ServiceDefinition;
  natsUrls: readonly string[];
  /** Who the service is to NATS (else what `natsUrls` carry, else nobody). */
  natsAuth?: NatsAuthConfig;
  /** TLS towards NATS. */
  natsTls?: NatsTlsConfig;
  /** MongoDB when set (database `autopilot_<service>`), else SQLite at `<dir>/<service>.db`. */
  mongoUrl?: string;
  dir: string;
  port: number;
  host: string;
  outboxIntervalMs: number;
  /** Carries `service: <name>`. */
  logger: Logger;
  /** The service's parsed settings (`definition.settings.read`); default its declared defaults. */
  settings?: unknown;
  /** Longest wait between attempts to reach the store, or to provision the bus's streams. Default 5000. */
  maxRetryDelayMs?: number;
  /**
   * JetStream's de-duplication window, set on the streams at start (existing ones too). Default:
   * new streams get JetStream's 2 minutes, existing ones keep theirs.
   */
  duplicateWindowMs?: number;
  /** How long the service's inbox remembers a handled message. Default 30 days. */
  inboxRetentionMs?: number;
  /**
   * The largest event or command body the service takes (claim-checked ones unfetched), and so the
   * largest envelope its outbox appends (a larger one fails its commit). Default 64 MiB.
   */
  maxMessageBytes?: number;
}

/**
 * One service in this process (DESIGN.md section 1, local cluster and production): JetStream bus,
 * MongoDB or SQLite store. Resolves once HTTP listens; bus and store are then reached with retries
 * and backoff (`/readyz` says which is missing), and `started` resolves when the service listens.
 */
export async function startSingleService(opts: SingleServiceOptions): Promise<RunningTopology> {
  const { definition, logger } = opts;
  const readiness = new Readiness();
  readiness.expect('bus', 'connecting');
  readiness.expect('store', 'opening');
  readiness.expect(`service:${definition.name}`);
  const routes = createHttpRoutes();
  const http = await startHttpServer({ port: opts.port, host: opts.host, readiness, routes, logger });
  logger.info({ port: http.port, url: http.url }, `HTTP listening on ${http.url}`);

  const abort = new AbortController();
  let bus: JetStreamMessageBus | undefined;
  let store: DocumentStore | undefined;
  let host: ServiceHost | undefined;
  const retry = { logger, signal: abort.signal, maxDelayMs: opts.maxRetryDelayMs ?? 5000 };
  const natsTarget = opts.natsUrls.map(maskUrl).join(',');

  const connectBus = async (): Promise<void> => {
    const { connectJetStreamBus, NatsCredentialsError } = jetStreamAdapter();
    bus = await connectLogged({
      ...retry,
      what: 'bus',
      target: natsTarget,
      // One retry loop while NATS is unreachable: the adapter's, which logs each retry through
      // busLog and stops the moment `signal` aborts (a stop during start-up leaves no timer and no
      // log line behind). It returns only connected or failed for another reason, such as streams
      // that could not be provisioned: only that is retried here, under the same signal.
      connect: () =>
        connectJetStreamBus({
          servers: [...opts.natsUrls],
          source: definition.name,
          name: `autopilot-${definition.name}`,
          log: busLogFor(logger),
          signal: abort.signal,
          ...(opts.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: opts.duplicateWindowMs }),
          ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
          ...(opts.natsAuth ? { credentials: opts.natsAuth } : {}),
          ...(opts.natsTls ? { tls: opts.natsTls } : {}),
        }),
      release: (b) => b.close(),
      // Permissions that refuse what the service needs, or credential files that cannot be read,
      // stay so until an operator acts: the start fails with the reason instead of retrying in the
      // dark. (Refused credentials are retried inside the adapter: see its connectWithRetry.)
      isFatal: (err) => err instanceof BusPermissionDeniedError || err instanceof NatsCredentialsError,
    });
    readiness.ready('bus');
    watchBusConnection(bus, readiness, logger);
    logger.info({ target: natsTarget }, 'bus connected');
  };

  const openStore = async (): Promise<void> => {
    if (opts.mongoUrl) {
      const { connectMongoStore } = mongoStoreAdapter();
      const database = `autopilot_${definition.name}`;
      const target = `${maskUrl(opts.mongoUrl)} (database ${database})`;
      store = await connectLogged({
        ...retry,
        what: 'store',
        target,
        connect: () => connectMongoStore({ url: opts.mongoUrl as string, database }),
        release: (s) => s.close(),
      });
      logger.info({ target }, 'store connected');
    } else {
      // A local file that will not open does not get better by waiting: no retry.
      const file = join(resolve(opts.dir), `${definition.name}.db`);
      await mkdir(resolve(opts.dir), { recursive: true });
      store = await openSqliteStore({
        file,
        onBackgroundError: (err) => logger.error({ err }, 'store background purge failed'),
      });
      logger.info({ file }, 'store opened');
    }
    readiness.ready('store');
  };

  const boot = async (): Promise<void> => {
    await Promise.all([connectBus(), openStore()]);
    if (abort.signal.aborted || !bus || !store) return;
    // No envelope size limit for the outbox relay: the JetStream bus carries any size, claim-checking
    // a body past the server's max_payload into its payload bucket (a 12 MB blueprint.ingested too).
    // What consumers would refuse (maxMessageBytes) the outbox refuses at the append instead.
    host = await startServiceHost({
      definition,
      bus,
      store,
      routes,
      logger,
      outboxIntervalMs: opts.outboxIntervalMs,
      ...(opts.settings !== undefined ? { settings: opts.settings } : {}),
      ...(opts.inboxRetentionMs === undefined ? {} : { inboxRetentionMs: opts.inboxRetentionMs }),
      ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
    });
    readiness.ready(`service:${definition.name}`);
    logger.info({ port: http.port, url: http.url }, `service ${definition.name} ready on ${http.url}`);
  };
  const started = boot().catch((err: unknown) => {
    // A stop during start-up is not a failed start.
    if (err instanceof ConnectAbortedError || abort.signal.aborted) return;
    throw err;
  });
  const settled = started.catch(() => undefined);

  return {
    port: http.port,
    url: http.url,
    readiness,
    routes,
    started,
    async stop() {
      readiness.shutdown();
      abort.abort();
      await settled;
      const [running, storeToClose, busToClose] = [host, store, bus];
      const groups: StopStep[][] = [];
      if (running) groups.push([{ name: `service ${definition.name}`, run: () => running.close() }]);
      if (storeToClose) groups.push([{ name: 'store', run: () => storeToClose.close() }]);
      if (busToClose) groups.push([{ name: 'bus', run: () => busToClose.close() }]);
      groups.push([{ name: 'http', run: () => http.close() }]);
      await runStopSequence(groups, logger);
    },
  };
}
