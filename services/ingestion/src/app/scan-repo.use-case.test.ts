import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  IngestionProgressV1,
  REPO_LARGE_FILE_BYTES,
  RepoScannedV1,
  validateStrict,
  type IngestionScanRepoV1,
} from '@autopilot/contracts';
import {
  commitAll,
  makeDirectory,
  makeGitRepository,
  removeDirectories,
  testGit,
} from '@autopilot/git/testing';
import { ulidSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import {
  declareInbox,
  declareOutbox,
  pendingOutbox,
  type DocumentStore,
  type OutboxEntry,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { NodeLocalPaths } from '../adapters/local-paths';
import { LocalRepoReader } from '../adapters/local-repo-reader';
import {
  projectRepositoryCollections,
  StoreProjectRepositories,
} from '../adapters/project-repository-registry';
import { RepoLocationGuard } from './repo-location-guard';
import { repoScanCollections, StoreRepoScanRepository } from '../adapters/repo-scan-repository';
import type { RepoScanRepository } from './ports';
import { ScanRepoUseCase } from './scan-repo.use-case';

const made: string[] = [];
afterAll(() => removeDirectories(made));

const gitRepository = (files: Record<string, string>) => makeGitRepository(files, { prefix: 'ap-scan-' });
const plainDirectory = (files: Record<string, string>) => makeDirectory(files, 'ap-scan-');
const headOf = async (dir: string) => (await testGit(dir).raw(['rev-parse', 'HEAD'])).trim();

const pkg = (test: string) => `${JSON.stringify({ name: 'shop', scripts: { test } }, null, 2)}\n`;

describe('ScanRepoUseCase (real git repositories, SQLite store, outbox)', () => {
  let store: DocumentStore;
  let clock: FakeClock;
  let scans: RepoScanRepository;
  let useCase: ScanRepoUseCase;
  let seen = 0;
  /** The use case over the same store with other allowed roots. */
  let withRoots: (roots: string[]) => ScanRepoUseCase;

  beforeEach(async () => {
    const dir = await makeDirectory({}, 'ap-scan-store-');
    made.push(dir);
    store = await openSqliteStore({ file: join(dir, 'ingestion.db') });
    await declareOutbox(store);
    await declareInbox(store);
    for (const spec of [...repoScanCollections, ...projectRepositoryCollections]) {
      await store.ensureCollection(spec);
    }
    clock = new FakeClock();
    scans = new StoreRepoScanRepository(store, clock);
    const envelopes = outboxEnvelopesFor({ source: 'ingestion', clock, ids: ulidSource() });
    withRoots = (roots) =>
      new ScanRepoUseCase(
        scans,
        new LocalRepoReader(),
        clock,
        envelopes,
        new RepoLocationGuard(new NodeLocalPaths(), new StoreProjectRepositories(store, clock), roots),
      );
    // The test repositories live in the temporary directory: the one root these scans may read.
    useCase = withRoots([tmpdir()]);
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
      source: 'ingestion',
      projectId: 'proj-1',
      correlationId: 'job-1',
      time: clock.isoNow(),
    });
    expect(validateStrict(RepoScannedV1, scanned?.envelope.data)).toEqual([]);
    const data = scanned?.envelope.data as RepoScannedV1;
    expect(data).toMatchObject({
      jobId: 'job-1',
      commit: await headOf(repo),
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
    expect(await scans.job('job-1')).toMatchObject({
      status: 'succeeded',
      causationId: 'msg-1',
      snapshotHash: data.snapshotHash,
      version: 1,
    });
  });

  it('carries what the planner needs: sizes, binary flags and texts, .npmrc credentials masked', async () => {
    const big = Buffer.alloc(REPO_LARGE_FILE_BYTES, 1);
    big[10] = 0;
    const repo = await makeGitRepository(
      {
        'README.md': 'Run `npm test`.\n',
        '.npmrc': '//registry.npmjs.org/:_authToken=npm_s3cret\n',
        'package.json': pkg('jest'),
        'assets/video.bin': big,
      },
      { prefix: 'ap-scan-' },
    );
    made.push(repo);
    await useCase.execute(command('job-t', repo), { messageId: 'msg-t' });
    const [scanned] = await newEvents();
    const data = scanned?.envelope.data as RepoScannedV1;
    expect(validateStrict(RepoScannedV1, data)).toEqual([]);
    expect(data.files?.find((f) => f.path === 'assets/video.bin')).toMatchObject({
      size: REPO_LARGE_FILE_BYTES,
      binary: true,
    });
    expect(data.files?.find((f) => f.path === 'README.md')).toMatchObject({ size: 16 });
    expect(data.fileTexts).toEqual([
      { path: '.npmrc', text: '//registry.npmjs.org/:_authToken=***\n' },
      { path: 'README.md', text: 'Run `npm test`.\n' },
      { path: 'package.json', text: pkg('jest') },
    ]);
    expect(data.fileTextsTruncated).toBe(false);
    expect(JSON.stringify(scanned?.envelope)).not.toContain('npm_s3cret');
  });

  it('lets one of two concurrent deliveries of a job commit, the other finds it done', async () => {
    const repo = await gitRepository({ 'go.mod': 'module m\n' });
    made.push(repo);
    const outcomes = await Promise.all([
      useCase.execute(command('job-c', repo), { messageId: 'mc' }),
      useCase.execute(command('job-c', repo), { messageId: 'mc' }),
    ]);
    expect(outcomes.sort()).toEqual(['duplicate', 'scanned']);
    expect((await newEvents()).map((e) => e.envelope.type)).toEqual([
      RepoScannedV1.type,
      IngestionProgressV1.type,
    ]);
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
  describe('where a scan may read (issue 13 item 5)', () => {
    const failure = async () => {
      const events = await newEvents();
      expect(events.map((e) => e.envelope.type)).toEqual([IngestionProgressV1.type]);
      expect(validateStrict(IngestionProgressV1, events[0]?.envelope.data)).toEqual([]);
      return (events[0]?.envelope.data as IngestionProgressV1).error;
    };

    it('refuses a repository outside the allowed roots, naming the roots', async () => {
      const root = await makeDirectory({}, 'ap-scan-root-');
      const outside = await gitRepository({ 'go.mod': 'module m\n' });
      made.push(root, outside);
      const scan = withRoots([root]);
      expect(await scan.execute(command('job-out', outside), { messageId: 'm1' })).toBe('failed');
      const error = await failure();
      expect(error?.code).toBe('INGESTION_REPO_LOCATION_REFUSED');
      expect(error?.message).toContain(
        `${outside}: refused: outside the allowed roots ${await realpath(root)}`,
      );
    });

    it('refuses every local path when no root is configured (a deployed service by default)', async () => {
      const repo = await gitRepository({ 'go.mod': 'module m\n' });
      made.push(repo);
      expect(await withRoots([]).execute(command('job-none', repo), { messageId: 'm1' })).toBe('failed');
      expect((await failure())?.message).toMatch(/scans no local path.*AUTOPILOT_INGESTION_REPO_ROOTS/);
    });

    it('refuses a symlink (or ..) inside a root that leads outside it', async () => {
      const root = await makeDirectory({}, 'ap-scan-root-');
      const outside = await gitRepository({ 'go.mod': 'module m\n' });
      made.push(root, outside);
      await symlink(outside, join(root, 'escape'));
      await mkdir(join(root, 'sub'));
      const scan = withRoots([root]);
      expect(await scan.execute(command('job-link', join(root, 'escape')), { messageId: 'm1' })).toBe(
        'failed',
      );
      expect((await failure())?.message).toContain(`(it resolves to ${await realpath(outside)})`);
      // `..` out of the root, written into the path: resolved before the check.
      const dotted = `${root}/sub/../../${basename(outside)}`;
      expect(await scan.execute(command('job-dots', dotted), { messageId: 'm2' })).toBe('failed');
      expect((await failure())?.code).toBe('INGESTION_REPO_LOCATION_REFUSED');
    });

    it('refuses file:// and http:// locations and relative paths', async () => {
      for (const [i, location] of ['file:///etc', 'http://example.com/r.git', 'repos/shop'].entries()) {
        expect(await useCase.execute(command(`job-u${i}`, location), { messageId: `m${i}` })).toBe('failed');
        expect((await failure())?.code).toBe('INGESTION_REPO_LOCATION_REFUSED');
      }
    });

    it('refuses a second repository for a project, naming both; the registered one still scans', async () => {
      const first = await gitRepository({ 'go.mod': 'module a\n' });
      const second = await gitRepository({ 'go.mod': 'module b\n' });
      made.push(first, second);
      expect(await useCase.execute(command('job-1', first), { messageId: 'm1' })).toBe('scanned');
      await newEvents();
      expect(await useCase.execute(command('job-2', second), { messageId: 'm2' })).toBe('failed');
      const error = await failure();
      expect(error?.code).toBe('INGESTION_REPO_NOT_REGISTERED');
      expect(error?.message).toContain(second);
      expect(error?.message).toContain(
        `project proj-1 is registered to the repository at ${await realpath(first)}`,
      );
      expect(await useCase.execute(command('job-3', first), { messageId: 'm3' })).toBe('reused');
      // Another project may scan the second repository.
      const other = { ...command('job-4', second), projectId: 'proj-2' };
      expect(await useCase.execute(other, { messageId: 'm4' })).toBe('scanned');
    });
  });
});
