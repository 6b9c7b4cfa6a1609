import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import { IngestionProgressV1, IngestionScanRepoV1, RepoScannedV1 } from '@autopilot/contracts';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { CliProcess, ensureBuilt } from './cli-process';
import { gitRepo } from './plan-fixtures';
import { diagnostics, stopProcess, waitUntilReady } from './service-process';

/**
 * Issue 13 item 5: `ingestion.scan_repo` reads only where the service may. `autopilot service
 * ingestion` on a real nats-server, configured with one root (AUTOPILOT_INGESTION_REPO_ROOTS), is
 * sent scan commands as the gateway would send them: a repository under the root scans; one
 * outside it, a symlink in the root that leads out, and a second repository for the same project
 * each end their job with a failed `ingestion.progress` naming the reason; the registered one
 * still scans afterwards.
 */
describe('autopilot service ingestion: repository locations', () => {
  let nats: NatsServerHandle | undefined;
  let bus: JetStreamMessageBus | undefined;
  let ingestion: CliProcess | undefined;
  let dir: string;
  let root: string;
  const outcomes = new Map<string, { scanned?: RepoScannedV1; failed?: { code: string; message: string } }>();

  beforeAll(async () => {
    ensureBuilt();
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'ap-e2e-locations-')));
    root = join(dir, 'allowed');
    mkdirSync(root);
    gitRepo(join(root, 'shop'), { 'go.mod': 'module shop\n' });
    gitRepo(join(root, 'billing'), { 'go.mod': 'module billing\n' });
    gitRepo(join(dir, 'outside'), { 'go.mod': 'module outside\n' });
    symlinkSync(join(dir, 'outside'), join(root, 'escape'));

    nats = await startNatsServer();
    ingestion = new CliProcess(['service', 'ingestion', '--port', '0'], {
      NATS_URL: nats.url,
      AUTOPILOT_DIR: join(dir, 'state'),
      AUTOPILOT_INGESTION_REPO_ROOTS: root,
    });
    await waitUntilReady(ingestion, 'ingestion').catch((err: unknown) => {
      throw new Error(`ingestion did not start:\n${diagnostics('ingestion', ingestion!)}`, { cause: err });
    });
    bus = await connectJetStreamBus({ servers: nats.url, source: 'gateway' });
    const job = (id: string) => {
      const known = outcomes.get(id) ?? {};
      outcomes.set(id, known);
      return known;
    };
    await bus.subscribe(RepoScannedV1, 'e2e-locations-scanned', async (d) => {
      job(d.payload.jobId).scanned = d.payload;
    });
    await bus.subscribe(IngestionProgressV1, 'e2e-locations-progress', async (d) => {
      if (d.payload.phase === 'failed') job(d.payload.jobId).failed = d.payload.error;
    });
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    if (ingestion) await stopProcess(ingestion);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scan(jobId: string, location: string, projectId = 'shop-project') {
    const command: IngestionScanRepoV1 = {
      jobId,
      projectId,
      repo: { location, defaultBranch: 'main' },
      requestedBy: { kind: 'system', id: 'e2e' },
    };
    await bus!.publish(IngestionScanRepoV1, command, { correlationId: jobId });
    return eventually(
      () => {
        const outcome = outcomes.get(jobId);
        if (!outcome?.scanned && !outcome?.failed) throw new Error(`no outcome for ${jobId} yet`);
        return outcome;
      },
      { timeoutMs: 30_000 },
    );
  }

  it('scans under the root, refuses outside it, through a symlink and a second location; the registered one still scans', async () => {
    const shop = join(root, 'shop');
    expect((await scan('job-1', shop)).scanned?.repo.location).toBe(shop);

    const outside = await scan('job-2', join(dir, 'outside'), 'other-project');
    expect(outside.failed?.code).toBe('INGESTION_REPO_LOCATION_REFUSED');
    expect(outside.failed?.message).toContain(`refused: outside the allowed roots ${root}`);

    const escape = await scan('job-3', join(root, 'escape'), 'other-project');
    expect(escape.failed?.message).toContain(`(it resolves to ${join(dir, 'outside')})`);

    const second = await scan('job-4', join(root, 'billing'));
    expect(second.failed?.code).toBe('INGESTION_REPO_NOT_REGISTERED');
    expect(second.failed?.message).toContain(
      `project shop-project is registered to the repository at ${shop}`,
    );

    expect((await scan('job-5', shop)).scanned).toBeDefined();
  });
});
