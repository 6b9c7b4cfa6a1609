import { Inject, Injectable } from '@nestjs/common';
import { ApprovalDecidedV1, type GovernanceWithdrawApprovalV1 } from '@autopilot/contracts';
import { Clock, IdSource } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { toApprovalMessage, withdrawApproval } from '../domain/approval/approval';
import { ApprovalNotYetRequestedError } from '../domain/approval/approval-errors';
import { ApprovalRepository, GovernanceLog } from './ports';

/**
 * `governance.withdraw_approval`: the manager no longer needs what a pending approval asks (its run
 * resumed when the project's run cap was raised), so the approval closes as expired with the reason,
 * with `approval.decided` and an audit entry in one transaction. A person's earlier answer stands:
 * an approval already decided is left as it is. One governance has not recorded yet is retried
 * (ApprovalNotYetRequestedError), since the request may still be on its way.
 */
@Injectable()
export class WithdrawApprovalUseCase {
  constructor(
    @Inject(ApprovalRepository) private readonly approvals: ApprovalRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(GovernanceLog) private readonly log: GovernanceLog,
  ) {}

  /** `withdrawn`, or `already_decided` when a person (or the expiry) answered first. */
  async execute(cmd: GovernanceWithdrawApprovalV1): Promise<'withdrawn' | 'already_decided'> {
    const now = this.clock.isoNow();
    const result = await this.approvals.update(async (reads) => {
      const state = await reads.approval(cmd.approvalId);
      if (state === null || state.projectId !== cmd.projectId)
        throw new ApprovalNotYetRequestedError(cmd.approvalId, cmd.projectId);
      const withdrawn = withdrawApproval(state, { reason: cmd.reason, now });
      if (!withdrawn.changed)
        return { result: 'already_decided' as const, audit: [], events: [], recordHandled: true };
      return {
        result: 'withdrawn' as const,
        approvals: [{ state: withdrawn.state }],
        audit: [
          {
            id: this.ids.next(),
            at: now,
            kind: 'withdrawal' as const,
            projectId: state.projectId,
            ...(state.runId !== undefined ? { runId: state.runId } : {}),
            ...(state.taskId !== undefined ? { taskId: state.taskId } : {}),
            actionHash: state.actionHash,
            outcome: 'expired',
            reasons: [`withdrawn: ${cmd.reason}`.slice(0, 1000)],
            ruleIds: [],
            approvalId: state.id,
            actor: { kind: 'system' as const, id: 'manager' },
          },
        ],
        events: [this.envelopes.build(ApprovalDecidedV1, toApprovalMessage(withdrawn.state))],
        recordHandled: true,
      };
    });
    this.log.info(
      result === 'withdrawn'
        ? 'approval withdrawn: what it asked is no longer needed'
        : 'approval already decided: the withdrawal changes nothing',
      { approval_id: cmd.approvalId, project_id: cmd.projectId, reason: cmd.reason },
    );
    return result;
  }
}
