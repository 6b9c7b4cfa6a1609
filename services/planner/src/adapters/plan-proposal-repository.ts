import type { PlanProposalCreatedV1 } from '@autopilot/contracts';
import type { CollectionSpec, DocumentStore } from '@autopilot/store';
import type { PlanProposalRecord, PlanProposalRepository } from '../app/ports';
import type { VersionedDoc, VersionedWrite } from './versioned-record';

const PLAN_PROPOSALS = 'plan_proposals';

/** The collection plan proposals live in, declared by the service definition (index.ts). */
export const PLAN_PROPOSAL_COLLECTIONS: readonly CollectionSpec[] = [
  { name: PLAN_PROPOSALS, indexes: [{ fields: { projectId: 1 } }] },
];

interface PlanProposalDoc extends VersionedDoc {
  /** `<projectId>/<proposalId>`. */
  _id: string;
  projectId: string;
  proposal: PlanProposalCreatedV1;
  /** Absent on proposals stored before issue 12. */
  announcedAt?: string;
}

/** PlanProposalRepository over the DocumentStore port: one document per project and proposal id. */
export class StorePlanProposalRepository implements PlanProposalRepository {
  constructor(private readonly store: DocumentStore) {}

  async get(projectId: string, proposalId: string): Promise<PlanProposalRecord | null> {
    const doc = await this.store
      .collection<PlanProposalDoc>(PLAN_PROPOSALS)
      .get(`${projectId}/${proposalId}`);
    if (doc === null) return null;
    return {
      projectId: doc.projectId,
      proposal: doc.proposal,
      announcedAt: doc.announcedAt ?? doc.proposal.createdAt,
      ...(typeof doc.version === 'number' ? { version: doc.version } : {}),
    };
  }
}

/**
 * How a proposal is written: the gap report repository stores it in the report's transaction (a
 * scan's outcome commits whole, with the inbox record of the `repo.scanned` that caused it).
 */
export function proposalWrite(next: PlanProposalRecord, expectedVersion: number): VersionedWrite {
  const doc: PlanProposalDoc = {
    _id: `${next.projectId}/${next.proposal.id}`,
    projectId: next.projectId,
    proposal: next.proposal,
    announcedAt: next.announcedAt,
  };
  return { collection: PLAN_PROPOSALS, doc, expectedVersion };
}
