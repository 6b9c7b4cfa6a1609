import type { Envelope, GapReportCreatedV1 } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import type { CollectionSpec, DocumentStore } from '@autopilot/store';
import type { GapReportRecord, GapReportRepository, PlanProposalRecord } from '../app/ports';
import { proposalWrite } from './plan-proposal-repository';
import { commitVersioned, type VersionedDoc, type VersionedWrite } from './versioned-record';

const GAP_REPORTS = 'gap_reports';

/** The collection gap reports live in, declared by the service definition (index.ts). */
export const GAP_REPORT_COLLECTIONS: readonly CollectionSpec[] = [
  { name: GAP_REPORTS, indexes: [{ fields: { projectId: 1 } }] },
];

interface GapReportDoc extends VersionedDoc {
  /** `<projectId>/<reportId>`: two projects with the same findings keep separate records. */
  _id: string;
  projectId: string;
  report: GapReportCreatedV1;
  /** Absent on reports stored before issue 12. */
  announcedAt?: string;
}

/** GapReportRepository over the DocumentStore port: one document per project and report id. */
export class StoreGapReportRepository implements GapReportRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async get(projectId: string, reportId: string): Promise<GapReportRecord | null> {
    const doc = await this.store.collection<GapReportDoc>(GAP_REPORTS).get(`${projectId}/${reportId}`);
    if (doc === null) return null;
    return {
      projectId: doc.projectId,
      report: doc.report,
      announcedAt: doc.announcedAt ?? doc.report.createdAt,
      ...(typeof doc.version === 'number' ? { version: doc.version } : {}),
    };
  }

  commit(
    next: GapReportRecord,
    expectedVersion: number,
    events: readonly Envelope[],
    proposal?: { readonly next: PlanProposalRecord; readonly expectedVersion: number },
  ): Promise<void> {
    const doc: GapReportDoc = {
      _id: `${next.projectId}/${next.report.id}`,
      projectId: next.projectId,
      report: next.report,
      announcedAt: next.announcedAt,
    };
    const writes: VersionedWrite[] = [{ collection: GAP_REPORTS, doc, expectedVersion }];
    if (proposal) writes.push(proposalWrite(proposal.next, proposal.expectedVersion));
    return commitVersioned(this.store, this.clock, writes, events);
  }
}
