import { buildEnvelope, PlanProposalCreatedV1, type Envelope } from '@autopilot/contracts';
import type { Doc, StoreTransaction } from '@autopilot/store';
import type { RepoPlanProposal } from '../domain/proposal/proposal';

/** The `plan_proposals` collection: each proposal once per project, under its content id. */
export const PLAN_PROPOSALS_COLLECTION = 'plan_proposals';

export interface PlanProposalDoc extends Doc {
  /** `<projectId>/<proposalId>`. */
  _id: string;
  projectId: string;
  proposal: PlanProposalCreatedV1;
}

export interface EnvelopeContext {
  readonly envelopeId: string;
  readonly time: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/**
 * Stores a proposal and returns its `plan_proposal.created` envelope for the outbox, or nothing when
 * the project already has this very proposal (a redelivery, or an unchanged repository): the
 * announcement goes out once.
 */
export async function recordProposal(
  tx: StoreTransaction,
  projectId: string,
  proposal: RepoPlanProposal,
  context: EnvelopeContext,
): Promise<Envelope | undefined> {
  const proposals = tx.collection<PlanProposalDoc>(PLAN_PROPOSALS_COLLECTION);
  const _id = `${projectId}/${proposal.id}`;
  if ((await proposals.get(_id)) !== null) return undefined;
  const payload: PlanProposalCreatedV1 = { ...proposal, projectId, createdAt: context.time };
  await proposals.insert({ _id, projectId, proposal: payload });
  return buildEnvelope(PlanProposalCreatedV1, payload, {
    id: context.envelopeId,
    time: context.time,
    source: 'planner',
    projectId,
    ...(context.correlationId !== undefined ? { correlationId: context.correlationId } : {}),
    ...(context.causationId !== undefined ? { causationId: context.causationId } : {}),
  });
}
