import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Module } from '@nestjs/common';
import { InProcessMessageBus } from '@autopilot/bus';
import {
  GapReportCreatedV1,
  PlanProposalCreatedV1,
  RepoScannedV1,
  validateEnvelope,
  type Envelope,
} from '@autopilot/contracts';
import { NonRetryableError, sha256Hex, ulidSource } from '@autopilot/kernel';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import { declareOutbox, DocumentStore, pendingOutbox } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, FakeClock } from '@autopilot/testing';
import { GitRepoSnapshotReader } from '../adapters/repo-files-git-reader';
import { CLEAN_REPO, cleanupRepos, gitRepo } from '../adapters/repo-files-fixture.test-support';
import { anchorFromBlueprint } from '../domain/anchor/anchor';
import { blueprintOf, FULL_BLUEPRINT } from '../domain/anchor/anchor-fixtures.test-support';
import { RepoScannedHandler } from '../handlers/repo-scanned.handler';
import { ANCHORS_COLLECTION, latestAnchor, recordAnchor } from './anchor-records';
import { GAP_REPORTS_COLLECTION, localRepoPath, ScanRepoGapsUseCase } from './gap-report-use-case';
import { RepoSnapshotReader } from './gap-repo-reader';
import { PLAN_PROPOSALS_COLLECTION } from './proposal-records';

const projectId = 'project-1';
const collections = [
  { name: ANCHORS_COLLECTION, indexes: [{ fields: { projectId: 1, recordedAt: -1 } }] },
  { name: GAP_REPORTS_COLLECTION },
  { name: PLAN_PROPOSALS_COLLECTION },
] as const;
const dirtyRepo = () => gitRepo({ ...CLEAN_REPO, '.gitignore': '', '.env': 'KEY=1\n', 'debug.log': 'x\n' });

let dir: string;
let store: DocumentStore;
const clock = new FakeClock();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'planner-gap-app-'));
  store = await openSqliteStore({ file: join(dir, 'planner.db') });
  for (const c of collections) await store.ensureCollection(c);
  await declareOutbox(store);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(cleanupRepos);

const useCase = () => new ScanRepoGapsUseCase(store, new GitRepoSnapshotReader(), clock, ulidSource());
const outboxTypes = async () => (await pendingOutbox(store, 100)).map((e) => e.envelope.type);
const withAnchor = (
  anchor = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash: sha256Hex }),
  at = clock.now(),
) => store.transaction((tx) => recordAnchor(tx, { projectId, anchor, blueprintId: 'bp-1', recordedAt: at }));

describe('ScanRepoGapsUseCase', () => {
  it('records the report and a proposal against the latest anchor, and publishes both through the outbox', async () => {
    const older = anchorFromBlueprint(blueprintOf('# Old\n\n## Goals\n\nOld goal.\n'), { hash: sha256Hex });
    await withAnchor(older, clock.now() - 1000);
    await withAnchor();
    const latest = await latestAnchor(store, projectId);
    expect(latest?.id).not.toBe(older.id);

    const { report, proposal, published } = await useCase().execute({
      projectId,
      repoPath: dirtyRepo(),
      triggeredBy: 'evt-1',
    });

    expect(published).toEqual({ report: true, proposal: true });
    expect(proposal?.anchorId).toBe(latest?.id);
    expect(proposal?.gapReportId).toBe(report.id);
    const entries = await pendingOutbox(store, 100);
    expect(entries.map((e) => e.envelope.type).sort()).toEqual([
      GapReportCreatedV1.type,
      PlanProposalCreatedV1.type,
    ]);
    for (const { envelope } of entries) {
      const def = envelope.type === GapReportCreatedV1.type ? GapReportCreatedV1 : PlanProposalCreatedV1;
      expect(validateEnvelope(def, JSON.parse(JSON.stringify(envelope)))).toEqual([]);
      expect(envelope).toMatchObject({ projectId, causationId: 'evt-1', source: 'planner' });
    }
    const stored = await store.collection(GAP_REPORTS_COLLECTION).get(`${projectId}/${report.id}`);
    expect(stored?.report).toMatchObject({ id: report.id, triggeredBy: 'evt-1', createdAt: clock.isoNow() });
    expect(await store.collection(PLAN_PROPOSALS_COLLECTION).count()).toBe(1);
  });

  it('publishes nothing new for the same repository state (a redelivery, a re-scan)', async () => {
    await withAnchor();
    const repo = dirtyRepo();
    await useCase().execute({ projectId, repoPath: repo });
    clock.advance(60_000);
    const again = await useCase().execute({ projectId, repoPath: repo });
    expect(again.published).toEqual({ report: false, proposal: false });
    expect(await outboxTypes()).toHaveLength(2);
    expect(await store.collection(GAP_REPORTS_COLLECTION).count()).toBe(1);
  });

  it('makes the report but no proposal before the project has an anchor', async () => {
    const result = await useCase().execute({ projectId, repoPath: dirtyRepo() });
    expect(result.proposal).toBeUndefined();
    expect(await outboxTypes()).toEqual([GapReportCreatedV1.type]);
  });

  it('turns an unreadable repository into a non-retryable error, writing nothing', async () => {
    await expect(useCase().execute({ projectId, repoPath: dir })).rejects.toThrow(NonRetryableError);
    expect(await outboxTypes()).toEqual([]);
  });

  it('reads local locations only', () => {
    expect(localRepoPath('/srv/repo')).toBe('/srv/repo');
    expect(localRepoPath('file:///srv/my%20repo')).toBe('/srv/my repo');
    expect(localRepoPath('https://github.com/a/b.git')).toBeUndefined();
    expect(localRepoPath('git@github.com:a/b.git')).toBeUndefined();
  });
});

@Module({
  controllers: [RepoScannedHandler],
  providers: [
    ScanRepoGapsUseCase,
    { provide: RepoSnapshotReader, useFactory: () => new GitRepoSnapshotReader() },
  ],
})
class RepoScannedTestModule {}

describe('RepoScannedHandler (real Nest module over the in-process bus)', () => {
  it('answers repo.scanned with gap_report.created and plan_proposal.created', async () => {
    const bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    const seen: Envelope[] = [];
    for (const def of [GapReportCreatedV1, PlanProposalCreatedV1]) {
      await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
        seen.push(d.envelope);
      });
    }
    await withAnchor();
    const repo = dirtyRepo();
    let host: ServiceHost | undefined;
    try {
      host = await startServiceHost({
        definition: { name: 'planner', module: RepoScannedTestModule, collections: [...collections] },
        bus,
        store,
        routes: createHttpRoutes(),
        logger: createLogger({
          service: 'planner',
          level: 'fatal',
          destination: new Writable({ write: (_c, _e, done) => done() }),
        }),
        outboxIntervalMs: 3_600_000,
      });
      const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
      await bus.publish(RepoScannedV1, {
        projectId,
        jobId: 'job-1',
        repo: { location: repo, defaultBranch: 'main' },
        commit: head,
        toolchains: [{ name: 'node', manifestPath: 'package.json', testCommand: ['npm', 'test'] }],
        languages: [{ name: 'TypeScript', files: 2 }],
        fileCount: 10,
        topLevelPaths: ['src/', 'package.json'],
        scannedAt: '2026-01-01T00:00:00.000Z',
      });
      await eventually(() =>
        expect(seen.map((e) => e.type).sort()).toEqual([GapReportCreatedV1.type, PlanProposalCreatedV1.type]),
      );
      const report = seen.find((e) => e.type === GapReportCreatedV1.type)!.data as GapReportCreatedV1;
      expect(report.commit).toBe(head);
      expect(report.gaps.map((g) => g.kind)).toEqual(['protected_path_violation', 'stray_files']);
    } finally {
      await host?.close();
      await bus.close();
    }
  });
});
