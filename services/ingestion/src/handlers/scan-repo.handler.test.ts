import { IngestionProgressV1, IngestionScanRepoV1, RepoScannedV1 } from '@autopilot/contracts';
import { isHandled, outboxStates } from '@autopilot/store';
import { eventually } from '@autopilot/testing';
import { startIngestionHost, type IngestionHost } from '../testing/ingestion-host';
import { makeGitRepository, removeDirectories } from '@autopilot/git/testing';

describe('cmd.ingestion.scan_repo through the ingestion service (in-process bus, SQLite store)', () => {
  const made: string[] = [];
  let ingestion: IngestionHost;
  let bus: IngestionHost['bus'];
  const scanned: RepoScannedV1[] = [];
  const progress: IngestionProgressV1[] = [];

  beforeAll(async () => {
    ingestion = await startIngestionHost();
    bus = ingestion.bus;
    await bus.subscribe(RepoScannedV1, 'test-repo-scanned', async (d) => void scanned.push(d.payload));
    await bus.subscribe(
      IngestionProgressV1,
      'test-ingestion-progress',
      async (d) => void progress.push(d.payload),
    );
  });
  afterAll(async () => {
    await ingestion.close();
    await removeDirectories(made);
  });

  it('publishes repo.scanned for the repository once, however often the command arrives', async () => {
    const repo = await makeGitRepository({ 'Cargo.toml': '[package]\nname = "x"\n', 'src/lib.rs': '' });
    made.push(repo);
    const command: IngestionScanRepoV1 = {
      jobId: 'job-1',
      projectId: 'proj-1',
      repo: { location: repo, defaultBranch: 'main' },
      requestedBy: { kind: 'system', id: 'test' },
    };
    await bus.publish(IngestionScanRepoV1, command);
    await eventually(() => expect(scanned.map((s) => s.jobId)).toEqual(['job-1']));
    expect(scanned[0]?.toolchains.map((t) => t.testCommand)).toEqual([['cargo', 'test']]);

    // The resend, then another job behind it on the same consumer: once that one is announced, the
    // resend has been handled too.
    await bus.publish(IngestionScanRepoV1, command);
    await bus.publish(IngestionScanRepoV1, { ...command, jobId: 'job-2' });
    await eventually(() => expect(scanned.map((s) => s.jobId)).toEqual(['job-1', 'job-2']));
    expect(scanned[1]?.reusedFromJobId).toBe('job-1');
    expect(progress.filter((p) => p.jobId === 'job-1').map((p) => p.phase)).toEqual(['done']);
  });
});

describe('cmd.ingestion.scan_repo delivered again after the duplicate window', () => {
  const made: string[] = [];
  afterAll(() => removeDirectories(made));

  it('changes nothing: the inbox recorded the command with the scan', async () => {
    // Window 0: the bus keeps the copy, as JetStream does once its duplicate window has passed.
    const ingestion = await startIngestionHost({ duplicateWindowMs: 0 });
    const { bus, store } = ingestion;
    try {
      const scanned: string[] = [];
      await bus.subscribe(
        RepoScannedV1,
        'test-repo-scanned',
        async (d) => void scanned.push(d.payload.jobId),
      );
      const repo = await makeGitRepository({ 'go.mod': 'module x\n' });
      made.push(repo);
      const command: IngestionScanRepoV1 = {
        jobId: 'job-1',
        projectId: 'proj-1',
        repo: { location: repo, defaultBranch: 'main' },
        requestedBy: { kind: 'system', id: 'test' },
      };
      const sent = await bus.publish(IngestionScanRepoV1, command);
      await eventually(() => expect(scanned).toEqual(['job-1']));
      await ingestion.host.relay.idle();
      const entries = (await outboxStates(store)).length;
      expect(await isHandled(store, 'ingestion-scan-repo', sent.id)).toBe(true);

      await bus.publishEnvelope(sent);
      await bus.publish(IngestionScanRepoV1, { ...command, jobId: 'job-2' });
      await eventually(() => expect(scanned).toEqual(['job-1', 'job-2']));
      await ingestion.host.relay.idle();
      // Only job 2's repo.scanned and progress event.
      expect((await outboxStates(store)).length).toBe(entries + 2);
    } finally {
      await ingestion.close();
    }
  });
});
