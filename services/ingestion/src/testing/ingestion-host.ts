import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import { type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { ingestionService, REPO_ROOTS_ENV } from '../index';

/** The real ingestion service for handler tests: in-process bus, SQLite store in a temp dir. */
export interface IngestionHost {
  bus: InProcessMessageBus;
  store: DocumentStore;
  host: ServiceHost;
  close(): Promise<void>;
}

export async function startIngestionHost(
  opts: {
    /** The bus's duplicate window; 0 keeps a re-published envelope, as JetStream does once it passed. */
    duplicateWindowMs?: number;
  } = {},
): Promise<IngestionHost> {
  const dir = await mkdtemp(join(tmpdir(), 'ap-ingestion-host-'));
  // What tests publish through it stands for the gateway's commands: ingestion checks their source.
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 0, source: 'gateway', ...opts });
  const store = await openSqliteStore({ file: join(dir, 'ingestion.db') });
  const host = await startServiceHost({
    definition: ingestionService,
    bus,
    store,
    routes: createHttpRoutes(),
    logger: createLogger({
      service: 'ingestion',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    }),
    // Tests nudge the relay through commits; the timer would only add noise.
    outboxIntervalMs: 3_600_000,
    // Test repositories live in the temporary directory: the one root scans may read here.
    settings: ingestionService.settings?.read({ [REPO_ROOTS_ENV]: tmpdir() }),
  });
  return {
    bus,
    store,
    host,
    async close() {
      await host.close();
      await bus.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
