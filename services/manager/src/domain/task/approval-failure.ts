import type { ApprovalDecidedV1, Failure } from '@autopilot/contracts';

/** Why a task did not start or a run did not go on: the person's decision, or the policy default nobody overrode. */
export function approvalFailureOf(approval: ApprovalDecidedV1): Failure {
  const by = approval.decidedBy ? ` by ${approval.decidedBy.kind} ${approval.decidedBy.id}` : '';
  const message =
    approval.status === 'expired'
      ? `approval ${approval.id} expired at ${approval.expiresAt ?? approval.decidedAt ?? '?'} with nobody answering; ` +
        `the policy default ${approval.expiryOutcome ?? 'reject'} applied`
      : `approval ${approval.id} rejected${by}${approval.comment ? `: ${approval.comment}` : ''}`;
  return {
    code: approval.status === 'expired' ? 'MANAGER_APPROVAL_EXPIRED' : 'MANAGER_APPROVAL_REJECTED',
    message: message.slice(0, 2000),
  };
}
