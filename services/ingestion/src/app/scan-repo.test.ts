import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IngestionProgressV1,
  RepoScannedV1,
  validateStrict,
  type IngestionScanRepoV1,
} from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import { declareInbox, declareOutbox, pendingOutbox, type DocumentStore, type OutboxEntry } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { LocalRepoReader } from '../adapters/local-repo-reader';
import { commitAll, git, gitRepository, plainDirectory, removeAll } from '../testing/repo-fixture';
import { REPO_SCANS, repoScansCollection, type RepoScanRecord } from './repo-scan-records';
import { ScanRepoUseCase } from './scan-repo';

const made: string[] = [];
afterAll(() => removeAll(made));

const pkg = (test: string) => `${JSON.stringify({ name: 'shop', scripts: { test } }, null, 2)}\n`;

describe('ScanRepoUseCase (real git repositories, SQLite store, outbox)', () => {
  let store: DocumentStore;
  let clock: FakeClock;
  let useCase: ScanRepoUseCase;
  let seen = 0;

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ap-scan-store-'));
    made.push(dir);
    store = await openSqliteStore({ file: join(dir, 'ingestion.db') });
    await declareOutbox(store);
    await declareInbox(store);
    await store.ensureCollection(repoScansCollection);
    clock = new FakeClock();
    useCase = new ScanRepoUseCase(store, new LocalRepoReader(), clock, ulidSource());
    seen = 0;
  });
  afterEach(() => store.close());

  const command = (jobId: string, location: string, ref?: string): IngestionScanRepoV1 => ({
    jobId,
    projectId: 'proj-1',
    repo: { location, defaultBranch: 'main' },
    ...(ref !== undefined ? { ref } : {}),
    requestedBy: { kind: 'user', id: 'u1' },
  });

  /** Outbox entries appended since the last call, in order. */
  async function newEvents(): Promise<OutboxEntry[]> {
    const all = await pendingOutbox(store, 1000);
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  }

  it('scans the default branch and commits repo.scanned and a done progress with the job record', async () => {
    const repo = await gitRepository({
      'package.json': pkg('jest'),
      'package-lock.json': '{}',
      'src/a.ts': '',
    });
    made.push(repo);
    expect(await useCase.execute(command('job-1', repo), { messageId: 'msg-1' })).toBe('scanned');

    const [scanned, progress] = await newEvents();
    expect(scanned?.envelope).toMatchObject({
      type: RepoScannedV1.type,
      projectId: 'proj-1',
      correlationId: 'job-1',
      causationId: 'msg-1',
      time: clock.isoNow(),
    });
    expect(validateStrict(RepoScannedV1, scanned?.envelope.data)).toEqual([]);
    const data = scanned?.envelope.data as RepoScannedV1;
    expect(data).toMatchObject({
      jobId: 'job-1',
      commit: await git(repo, ['rev-parse', 'HEAD']),
      ref: 'main',
      fileCount: 3,
      topLevelPaths: ['package-lock.json', 'package.json', 'src/'],
      filesTruncated: false,
    });
    expect(data.toolchains[0]).toMatchObject({
      name: 'node',
      installCommand: ['npm', 'ci'],
      testCommand: ['npm', 'run', 'test'],
    });
    expect(data.files?.map((f) => f.path)).toEqual(['package-lock.json', 'package.json', 'src/a.ts']);
    expect(data.reusedFromJobId).toBeUndefined();

    expect(validateStrict(IngestionProgressV1, progress?.envelope.data)).toEqual([]);
    expect(progress?.envelope.data).toMatchObject({ jobKind: 'repo_scan', phase: 'done', done: 3, total: 3 });
    expect(await store.collection<RepoScanRecord>(REPO_SCANS).get('job-1')).toMatchObject({
      status: 'succeeded',
      snapshotHash: data.snapshotHash,
    });
  });

  it('is a no-op for a redelivered or resent command of a finished job', async () => {
    const repo = await gitRepository({ 'go.mod': 'module m\n' });
    made.push(repo);
    await useCase.execute(command('job-1', repo), { messageId: 'msg-1' });
    expect(await newEvents()).toHaveLength(2);
    expect(await useCase.execute(command('job-1', repo), { messageId: 'msg-1' })).toBe('duplicate');
    expect(await useCase.execute(command('job-1', repo), { messageId: 'msg-resent' })).toBe('duplicate');
    expect(await newEvents()).toEqual([]);
  });

  it("reuses the location's last scan when nothing changed, and scans afresh after a commit", async () => {
    const repo = await gitRepository({ 'package.json': pkg('jest') });
    made.push(repo);
    await useCase.execute(command('job-1', repo), { messageId: 'm1' });
    const [first] = await newEvents();

    clock.advance(60_000);
    expect(await useCase.execute(command('job-2', repo), { messageId: 'm2' })).toBe('reused');
    const [second] = await newEvents();
    const reused = second?.envelope.data as RepoScannedV1;
    expect(reused.reusedFromJobId).toBe('job-1');
    const { jobId: _a, scannedAt: _b, reusedFromJobId: _c, ...rest } = reused;
    const { jobId: _d, scannedAt: _e, ...firstRest } = first?.envelope.data as RepoScannedV1;
    expect(rest).toEqual(firstRest);

    await writeFile(join(repo, 'package.json'), pkg('vitest'));
    const commit = await commitAll(repo, 'vitest');
    clock.advance(60_000);
    expect(await useCase.execute(command('job-3', repo), { messageId: 'm3' })).toBe('scanned');
    const [third] = await newEvents();
    const fresh = third?.envelope.data as RepoScannedV1;
    expect(fresh).toMatchObject({ commit });
    expect(fresh.reusedFromJobId).toBeUndefined();
    expect(fresh.toolchains[0]?.evidence).toContainEqual(
      expect.objectContaining({ reason: 'test script: vitest' }),
    );
  });

  it('fails the job with a failed progress naming the location when it does not exist, once', async () => {
    const missing = join(tmpdir(), 'ap-no-such-repo-for-scan');
    await rm(missing, { recursive: true, force: true });
    expect(await useCase.execute(command('job-9', missing), { messageId: 'm9' })).toBe('failed');
    const events = await newEvents();
    expect(events.map((e) => e.envelope.type)).toEqual([IngestionProgressV1.type]);
    expect(validateStrict(IngestionProgressV1, events[0]?.envelope.data)).toEqual([]);
    expect(events[0]?.envelope.data).toMatchObject({
      phase: 'failed',
      error: { code: 'INGESTION_REPO_NOT_FOUND', message: `${missing}: no such file or directory` },
    });
    expect(await useCase.execute(command('job-9', missing), { messageId: 'm9' })).toBe('duplicate');
    expect(await newEvents()).toEqual([]);
  });

  it('fails the job for a ref that names no commit, and for a directory outside git (no commit to announce)', async () => {
    const repo = await gitRepository({ 'a.txt': 'a' });
    const plain = await plainDirectory({ 'a.txt': 'a' });
    made.push(repo, plain);
    await useCase.execute(command('job-a', repo, 'release/9'), { messageId: 'ma' });
    await useCase.execute(command('job-b', plain), { messageId: 'mb' });
    const codes = (await newEvents()).map((e) => (e.envelope.data as IngestionProgressV1).error?.code);
    expect(codes).toEqual(['INGESTION_REPO_REF_NOT_FOUND', 'INGESTION_REPO_NOT_GIT']);
  });
});
