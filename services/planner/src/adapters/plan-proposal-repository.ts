import type { Envelope, PlanProposalCreatedV1 } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import type { CollectionSpec, DocumentStore } from '@autopilot/store';
import type { PlanProposalRecord, PlanProposalRepository } from '../app/ports';
import { commitVersioned, type VersionedDoc } from './versioned-record';

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
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

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

  commit(next: PlanProposalRecord, expectedVersion: number, events: readonly Envelope[]): Promise<void> {
    const doc: PlanProposalDoc = {
      _id: `${next.projectId}/${next.proposal.id}`,
      projectId: next.projectId,
      proposal: next.proposal,
      announcedAt: next.announcedAt,
    };
    return commitVersioned(this.store, this.clock, PLAN_PROPOSALS, doc, expectedVersion, events);
  }
}
