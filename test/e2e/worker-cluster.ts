import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  ApprovalRequestedV1,
  buildEnvelope,
  ManagerCreateProjectV1,
  RunFinishedV1,
  RunStartedV1,
  RunSuspendedV1,
  StepRecordedV1,
  TaskUpdatedV1,
  RepoScannedV1,
  TasksGeneratedV1,
  type Envelope,
  type MessageDef,
  type PayloadOf,
  type TaskSpec,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { managerService } from '@autopilot/manager';
import {
  createHttpRoutes,
  startServiceHost,
  createLogger,
  type ServiceDefinition,
  type ServiceHost,
} from '@autopilot/runtime';
import { declareInbox, declareOutbox, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { workerService } from '@autopilot/worker';
import { tasksGenerated } from '@autopilot/testing';

/**
 * The manager, governance and a real worker on one in-process bus, each on its own SQLite store,
 * with the system clock: runs go through real git worktrees, the real tools and sandbox, and the
 * one model client talking HTTP to a scripted OpenAI-compatible server. What a test adds is the
 * repository, the script and the tasks.
 */
export interface WorkerCluster {
  readonly bus: InProcessMessageBus;
  /** Every log line every service wrote, as written (JSON). */
  readonly logs: string[];
  /** Every envelope of the observed kinds published on the bus, in order. */
  readonly seen: Envelope[];
  readonly dir: string;
  send<D extends MessageDef>(source: string, def: D, data: PayloadOf<D>): Promise<void>;
  /**
   * Stops the worker (its host, store and cache) and starts another in its place, with a cache of
   * its own and `workerId`: what the old one left on its disk is out of the new one's reach.
   */
  replaceWorker(workerId: string): Promise<void>;
  close(): Promise<void>;
}

const OBSERVED: readonly MessageDef[] = [
  TaskUpdatedV1,
  RunStartedV1,
  StepRecordedV1,
  RunFinishedV1,
  RunSuspendedV1,
  ApprovalRequestedV1,
];

/** A model name the price table knows; the scripted server answers for any. */
export const SCRIPTED_MODEL = 'scripted-demo';
/** A key the tests look for everywhere it must not be. */
export const TEST_API_KEY = 'sk-test-LEAKCANARY-7d1f0c2a9b';
const PRICE_TABLE = JSON.stringify({
  [SCRIPTED_MODEL]: { inputUsdPerMillion: 1, cachedInputUsdPerMillion: 0.25, outputUsdPerMillion: 4 },
});

async function openStore(dir: string, definition: ServiceDefinition, file: string): Promise<DocumentStore> {
  const store = await openSqliteStore({ file: join(dir, `${file}.db`) });
  await declareOutbox(store);
  await declareInbox(store);
  for (const spec of definition.collections) await store.ensureCollection(spec);
  return store;
}

export async function startWorkerCluster(opts: {
  readonly modelBaseURL: string;
  readonly workerEnv?: Readonly<Record<string, string>>;
}): Promise<WorkerCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-worker-cluster-'));
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 50, source: 'gateway', log: () => undefined });
  const seen: Envelope[] = [];
  for (const def of OBSERVED)
    await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
      seen.push(d.envelope as Envelope);
    });
  const env: Record<string, Record<string, string>> = {
    manager: { AUTOPILOT_MANAGER_TICK_MS: '200' },
    governance: { AUTOPILOT_PRICE_TABLE: PRICE_TABLE, AUTOPILOT_APPROVAL_SWEEP_MS: '1000' },
    worker: {
      AUTOPILOT_WORKER_MODEL: SCRIPTED_MODEL,
      OPENAI_BASE_URL: opts.modelBaseURL,
      OPENAI_API_KEY: TEST_API_KEY,
      AUTOPILOT_PRICE_TABLE: PRICE_TABLE,
      AUTOPILOT_WORKER_CACHE_DIR: join(dir, 'worker-cache'),
      AUTOPILOT_WORKER_HEARTBEAT_MS: '1000',
      ...opts.workerEnv,
    },
  };
  const logs: string[] = [];
  const keptLogger = (service: string) =>
    createLogger({
      service,
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(
            ...chunk
              .toString()
              .split('\n')
              .filter((l) => l.trim() !== ''),
          );
          done();
        },
      }),
    });
  const stores: DocumentStore[] = [];
  const hosts: ServiceHost[] = [];
  const start = async (definition: ServiceDefinition, settings: Record<string, string>, file?: string) => {
    const store = await openStore(dir, definition, file ?? definition.name);
    stores.push(store);
    const host = await startServiceHost({
      definition,
      bus,
      store,
      routes: createHttpRoutes(),
      logger: keptLogger(definition.name),
      outboxIntervalMs: 50,
      settings: definition.settings!.read(settings),
    });
    hosts.push(host);
    return { host, store };
  };
  let worker: { host: ServiceHost; store: DocumentStore } | undefined;
  try {
    await start(managerService, env.manager!);
    await start(governanceService, env.governance!);
    worker = await start(workerService, env.worker!);
  } catch (e) {
    for (const host of hosts.reverse()) await host.close();
    await bus.close();
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let n = 0;
  return {
    bus,
    logs,
    seen,
    dir,
    async replaceWorker(workerId) {
      if (worker) {
        await worker.host.close();
        await worker.store.close();
        hosts.splice(hosts.indexOf(worker.host), 1);
        stores.splice(stores.indexOf(worker.store), 1);
      }
      worker = await start(
        workerService,
        {
          ...env.worker!,
          AUTOPILOT_WORKER_ID: workerId,
          AUTOPILOT_WORKER_CACHE_DIR: join(dir, `cache-${workerId}`),
        },
        `worker-${workerId}`,
      );
    },
    async send(source, def, data) {
      await bus.publishEnvelope(
        buildEnvelope(def, data, {
          id: `sent-${++n}-${Date.now()}`,
          time: new Date().toISOString(),
          source,
          projectId: (data as { projectId: string }).projectId,
        }),
      );
    },
    async close() {
      for (const host of hosts.reverse()) await host.close();
      await bus.close();
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A git repository (branch `main`) holding `files`, committed; its directory. */
export function gitRepository(root: string, files: Readonly<Record<string, string>>): string {
  const repo = join(root, 'repo');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
      cwd: repo,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return repo;
}

/** Runs git in `repo` and returns its output, trimmed. */
export function gitIn(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, stdio: 'pipe', encoding: 'utf8' }).trim();
}

/** A project on `repo` (full_auto), its node toolchain announced as a scan would, and `tasks` planned. */
export async function projectWithTasks(
  c: WorkerCluster,
  projectId: string,
  repo: string,
  tasks: readonly TaskSpec[],
  budgets = { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 },
): Promise<void> {
  const repoRef = { location: repo, defaultBranch: 'main' };
  await c.send('gateway', ManagerCreateProjectV1, {
    projectId,
    name: projectId,
    repo: repoRef,
    autonomyMode: 'full_auto',
    maxParallel: 2,
    budgets,
    requestedBy: { kind: 'user', id: 'ada' },
  });
  await c.send('ingestion', RepoScannedV1, {
    projectId,
    jobId: `scan-${projectId}`,
    repo: repoRef,
    commit: gitIn(repo, 'rev-parse', 'HEAD'),
    toolchains: [
      {
        name: 'node',
        manifestPath: 'package.json',
        tool: 'npm',
        testCommand: ['npm', 'test'],
        directory: '.',
      },
    ],
    languages: [{ name: 'JavaScript', files: 2 }],
    fileCount: 3,
    topLevelPaths: ['package.json', 'src/', 'test/'],
    scannedAt: new Date().toISOString(),
  });
  await c.send(
    'planner',
    TasksGeneratedV1,
    tasksGenerated(projectId, tasks, { generatedAt: new Date().toISOString() }),
  );
}
