import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GapReportCreatedV1,
  PlanProposalCreatedV1,
  RepoScannedV1,
  validateEnvelope,
  type Envelope,
  type IntentionAnchor,
} from '@autopilot/contracts';
import { sha256Hex, ulidSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import { declareOutbox, DocumentStore, isHandled, outboxStates, pendingOutbox } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, FakeClock } from '@autopilot/testing';
import { ANCHOR_COLLECTIONS, recordAnchor, StoreAnchorRepository } from '../adapters/anchor-repository';
import { GAP_REPORT_COLLECTIONS, StoreGapReportRepository } from '../adapters/gap-report-repository';
import { PLAN_PROPOSAL_COLLECTIONS, StorePlanProposalRepository } from '../adapters/plan-proposal-repository';
import { anchorFromBlueprint } from '../domain/anchor/anchor';
import { blueprintOf, FULL_BLUEPRINT } from '../domain/anchor/anchor-fixtures.test-support';
import { CLEAN_REPO, scannedRepoOf } from '../domain/gaps/gap-fixtures.test-support';
import { ReportRepoGapsUseCase } from './report-repo-gaps';
import { startPlannerHost } from '../testing/planner-host';

const projectId = 'project-1';
const collections = [...ANCHOR_COLLECTIONS, ...GAP_REPORT_COLLECTIONS, ...PLAN_PROPOSAL_COLLECTIONS];
const DIRTY = { ...CLEAN_REPO, '.gitignore': '', '.env': 'KEY=1\n', 'debug.log': 'x\n' };
const CLEAN = { ...CLEAN_REPO, '.gitignore': '' };

let dir: string;
let store: DocumentStore;
let clock: FakeClock;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'planner-gap-app-'));
  store = await openSqliteStore({ file: join(dir, 'planner.db') });
  for (const c of collections) await store.ensureCollection(c);
  await declareOutbox(store);
  clock = new FakeClock();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const useCase = () =>
  new ReportRepoGapsUseCase(
    new StoreGapReportRepository(store, clock),
    new StorePlanProposalRepository(store),
    new StoreAnchorRepository(store),
    clock,
    outboxEnvelopesFor({ source: 'planner', clock, ids: ulidSource() }),
  );
const outbox = async () => (await pendingOutbox(store, 100)).map((e) => e.envelope);
const fullAnchor = () => anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash: sha256Hex });
const withAnchor = (anchor: IntentionAnchor = fullAnchor(), at = clock.now()) =>
  store.transaction((tx) => recordAnchor(tx, { projectId, anchor, blueprintId: 'bp-1', recordedAt: at }));
const scanned = (files: Record<string, string>, jobId = 'job-1') =>
  scannedRepoOf(files, { projectId, jobId });

describe('ReportRepoGapsUseCase', () => {
  it('announces the report, then the proposal it names, against the latest anchor', async () => {
    const older = anchorFromBlueprint(blueprintOf('# Old\n\n## Goals\n\nOld goal.\n'), { hash: sha256Hex });
    await withAnchor(older, clock.now() - 1000);
    await withAnchor();
    const latest = await new StoreAnchorRepository(store).current(projectId);
    expect(latest?.id).not.toBe(older.id);

    const { report, proposal, seenBefore } = await useCase().execute(scanned(DIRTY), { messageId: 'evt-1' });

    expect(seenBefore).toEqual({ report: false, proposal: false });
    expect(report).toMatchObject({ projectId, triggeredBy: 'evt-1', proposalId: proposal?.id });
    expect(report.gaps.map((g) => g.kind)).toEqual(['protected_path_violation', 'stray_files']);
    expect(proposal).toMatchObject({ anchorId: latest?.id, gapReportId: report.id });
    const envelopes = await outbox();
    expect(envelopes.map((e) => e.type)).toEqual([GapReportCreatedV1.type, PlanProposalCreatedV1.type]);
    for (const envelope of envelopes) {
      const def = envelope.type === GapReportCreatedV1.type ? GapReportCreatedV1 : PlanProposalCreatedV1;
      expect(validateEnvelope(def, JSON.parse(JSON.stringify(envelope)))).toEqual([]);
      expect(envelope).toMatchObject({ projectId, correlationId: 'job-1', source: 'planner' });
    }
    expect(envelopes.map((e) => e.data)).toEqual([report, proposal]);
  });

  it('announces again for every scan job, even of an unchanged repository, keeping one record of each', async () => {
    await withAnchor();
    const first = await useCase().execute(scanned(DIRTY, 'job-1'), { messageId: 'evt-1' });
    clock.advance(60_000);
    const again = await useCase().execute(scanned(DIRTY, 'job-2'), { messageId: 'evt-2' });

    expect(again.seenBefore).toEqual({ report: true, proposal: true });
    expect(again.report).toEqual({ ...first.report, triggeredBy: 'evt-2' });
    expect(again.proposal).toEqual(first.proposal);
    const envelopes = await outbox();
    expect(envelopes.map((e) => [e.type, e.correlationId])).toEqual([
      [GapReportCreatedV1.type, 'job-1'],
      [PlanProposalCreatedV1.type, 'job-1'],
      [GapReportCreatedV1.type, 'job-2'],
      [PlanProposalCreatedV1.type, 'job-2'],
    ]);
    expect(new Set(envelopes.map((e) => e.id)).size).toBe(4);
    expect(await store.collection('gap_reports').count()).toBe(1);
    expect(await store.collection('plan_proposals').count()).toBe(1);
    expect(await new StoreGapReportRepository(store, clock).get(projectId, first.report.id)).toMatchObject({
      announcedAt: clock.isoNow(),
      version: 2,
      report: { createdAt: first.report.createdAt },
    });
  });

  it('says no proposal follows when the project has no anchor yet, or no gap calls for an action', async () => {
    const early = await useCase().execute(scanned(DIRTY), { messageId: 'evt-1' });
    expect(early.proposal).toBeUndefined();
    expect(early.report.proposalId).toBeUndefined();

    await withAnchor();
    const tidy = await useCase().execute(scanned(CLEAN, 'job-2'), { messageId: 'evt-2' });
    expect(tidy.report.gaps).toEqual([]);
    expect(tidy.report.proposalId).toBeUndefined();
    expect((await outbox()).map((e) => e.type)).toEqual([GapReportCreatedV1.type, GapReportCreatedV1.type]);
  });

  it('reports on any location, a clone URL too: the event carries the repository, nothing is read', async () => {
    const remote = {
      ...scanned(DIRTY),
      repo: { location: 'git@github.com:org/shop.git', defaultBranch: 'main' },
    };
    const { report } = await useCase().execute(remote, { messageId: 'evt-1' });
    expect(report.gaps.map((g) => g.kind)).toEqual(['protected_path_violation', 'stray_files']);
  });

  it('takes over a report stored before records had revisions', async () => {
    const { report } = await useCase().execute(scanned(DIRTY), { messageId: 'evt-1' });
    const docs = store.collection('gap_reports');
    const { version: _version, announcedAt: _at, ...legacy } = (await docs.get(`${projectId}/${report.id}`))!;
    await docs.upsert(legacy);
    await useCase().execute(scanned(DIRTY, 'job-2'), { messageId: 'evt-2' });
    expect((await outbox()).map((e) => e.type)).toEqual([GapReportCreatedV1.type, GapReportCreatedV1.type]);
    expect(await docs.get(`${projectId}/${report.id}`)).toMatchObject({ version: 1 });
  });
});

describe('StoreGapReportRepository.commit', () => {
  it('stores the report and the proposal it names in one transaction: a conflict on either writes neither', async () => {
    await withAnchor();
    const { report, proposal } = await useCase().execute(scanned(DIRTY), { messageId: 'evt-1' });
    const reports = new StoreGapReportRepository(store, clock);
    const before = await outbox();
    const stale = { projectId, report: { ...report, triggeredBy: 'evt-2' }, announcedAt: 'later' };
    await expect(
      reports.commit(stale, 1, [], {
        next: { projectId, proposal: proposal!, announcedAt: 'later' },
        // Stored at revision 1: a writer that read none loses, and takes the report with it.
        expectedVersion: 0,
      }),
    ).rejects.toMatchObject({ code: 'STORE_REVISION_CONFLICT' });
    expect((await reports.get(projectId, report.id))?.report.triggeredBy).toBe('evt-1');
    expect(await outbox()).toEqual(before);
  });
});

describe('RepoScannedHandler (the planner service over the in-process bus)', () => {
  it('answers repo.scanned with gap_report.created and the plan_proposal.created it names', async () => {
    await withAnchor();
    const planner = await startPlannerHost(store, [GapReportCreatedV1, PlanProposalCreatedV1]);
    const { bus, seen } = planner;
    try {
      const event = scanned(DIRTY);
      await bus.publish(RepoScannedV1, event, { correlationId: 'job-1', projectId: event.projectId });
      await eventually(() =>
        expect(seen.map((e) => e.type)).toEqual([GapReportCreatedV1.type, PlanProposalCreatedV1.type]),
      );
      const [reportEnvelope, proposalEnvelope] = seen as [Envelope, Envelope];
      const report = reportEnvelope.data as GapReportCreatedV1;
      expect(report.commit).toBe(event.commit);
      expect(report.proposalId).toBe((proposalEnvelope.data as PlanProposalCreatedV1).id);
      // Caused by the repo.scanned delivery, which is also the report's trigger.
      expect(reportEnvelope.causationId).toBe(report.triggeredBy);
      expect(proposalEnvelope).toMatchObject({ correlationId: 'job-1', causationId: report.triggeredBy });
    } finally {
      await planner.close();
    }
  });

  it('changes nothing when the same repo.scanned comes back after the duplicate window', async () => {
    await withAnchor();
    // Window 0: the bus keeps the copy, as JetStream does once its duplicate window has passed.
    const planner = await startPlannerHost(store, [GapReportCreatedV1, PlanProposalCreatedV1], {
      duplicateWindowMs: 0,
    });
    const { bus, seen } = planner;
    try {
      const sent = await bus.publish(RepoScannedV1, scanned(DIRTY), { correlationId: 'job-1', projectId });
      await eventually(() => expect(seen).toHaveLength(2));
      await planner.host.relay.idle();
      const entries = (await outboxStates(store)).length;
      expect(entries).toBe(2);
      expect(await isHandled(store, 'planner-repo-scanned', sent.id)).toBe(true);

      // The copy, then another scan job behind it on the same consumer: once that one's report is
      // announced, the copy has been handled too, and it announced nothing.
      await bus.publishEnvelope(sent);
      await bus.publish(RepoScannedV1, scanned(CLEAN, 'job-2'), { correlationId: 'job-2', projectId });
      await eventually(() => expect(seen).toHaveLength(3));
      await planner.host.relay.idle();
      expect(seen.map((e) => [e.type, e.correlationId])).toEqual([
        [GapReportCreatedV1.type, 'job-1'],
        [PlanProposalCreatedV1.type, 'job-1'],
        [GapReportCreatedV1.type, 'job-2'],
      ]);
      expect((await outboxStates(store)).length).toBe(entries + 1);
    } finally {
      await planner.close();
    }
  });
});
