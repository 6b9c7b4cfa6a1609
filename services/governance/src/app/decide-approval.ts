import { Inject, Injectable } from '@nestjs/common';
import { ApprovalDecidedV1, type GovernanceDecideApprovalV1 } from '@autopilot/contracts';
import { AutopilotError, Clock, IdSource, NonRetryableError } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { decideApproval, toApprovalMessage } from '../domain/approval/approval';
import { ApprovalAlreadyDecidedError, ApprovalExpiredError } from '../domain/approval/approval-errors';
import { ApprovalRepository, GovernanceLog, type AuditEntry } from './ports';

/**
 * A decision governance refuses: an unknown approval (or one of another project), one already
 * decided the other way, or one that expired. No contract carries a refusal of
 * `governance.decide_approval`, so the bus logs and dead-letters it (NonRetryableError), the audit
 * log records it, and nothing else changes. `reason` says which.
 */
export class ApprovalDecisionRefusedError extends NonRetryableError {
  constructor(
    readonly approvalId: string,
    readonly reason: 'unknown' | 'already_decided' | 'expired',
    message: string,
    options?: ErrorOptions,
  ) {
    super(`governance.decide_approval refused: ${message}`, options);
  }
}

/**
 * `governance.decide_approval`: a person approves or rejects a pending approval. The same decision
 * again is a no-op (audited as `repeated`, nothing published); a different one, or one on an
 * expired approval, is refused and never flips the first. An applied decision is stored with
 * `approval.decided` and its audit entry in one transaction, with the command's inbox record.
 */
@Injectable()
export class DecideApprovalUseCase {
  constructor(
    @Inject(ApprovalRepository) private readonly approvals: ApprovalRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(GovernanceLog) private readonly log: GovernanceLog,
  ) {}

  /** `applied` or `repeated`; throws ApprovalDecisionRefusedError when refused (audited first). */
  async execute(cmd: GovernanceDecideApprovalV1): Promise<'applied' | 'repeated'> {
    const now = this.clock.isoNow();
    const entry = (effect: AuditEntry['effect'], reasons: string[], hash?: string): AuditEntry => ({
      id: this.ids.next(),
      at: now,
      kind: 'decision',
      projectId: cmd.projectId,
      outcome: cmd.decision,
      effect,
      reasons,
      ruleIds: [],
      approvalId: cmd.approvalId,
      actor: cmd.decidedBy,
      ...(hash !== undefined ? { actionHash: hash } : {}),
    });
    try {
      return await this.approvals.update(async (reads) => {
        const state = await reads.approval(cmd.approvalId);
        if (state === null || state.projectId !== cmd.projectId) {
          throw new ApprovalDecisionRefusedError(
            cmd.approvalId,
            'unknown',
            `approval ${cmd.approvalId} does not exist in project ${cmd.projectId}`,
          );
        }
        let decided;
        try {
          decided = decideApproval(state, {
            decision: cmd.decision,
            decidedBy: cmd.decidedBy,
            ...(cmd.comment !== undefined ? { comment: cmd.comment } : {}),
            now,
          });
        } catch (e) {
          if (e instanceof ApprovalAlreadyDecidedError) {
            throw new ApprovalDecisionRefusedError(cmd.approvalId, 'already_decided', e.message, {
              cause: e,
            });
          }
          if (e instanceof ApprovalExpiredError) {
            throw new ApprovalDecisionRefusedError(cmd.approvalId, 'expired', e.message, { cause: e });
          }
          throw e;
        }
        const base = { id: state.id, subject: `${state.action.kind} ${state.actionHash}` };
        if (!decided.changed) {
          return {
            result: 'repeated' as const,
            audit: [
              entry(
                'repeated',
                [`approval ${base.id} is already ${state.status}: no change`],
                state.actionHash,
              ),
            ],
            events: [],
            recordHandled: true,
          };
        }
        return {
          result: 'applied' as const,
          approvals: [{ state: decided.state }],
          audit: [
            entry(
              'applied',
              [
                `${cmd.decidedBy.kind} ${cmd.decidedBy.id} ${cmd.decision} ${base.subject}${cmd.comment ? `: ${cmd.comment}` : ''}`.slice(
                  0,
                  1000,
                ),
              ],
              state.actionHash,
            ),
          ],
          events: [this.envelopes.build(ApprovalDecidedV1, toApprovalMessage(decided.state))],
          recordHandled: true,
        };
      });
    } catch (e) {
      if (!(e instanceof ApprovalDecisionRefusedError)) throw e;
      await this.approvals.appendAudit([entry('refused', [e.message.slice(0, 1000)])]);
      this.log.warn(e.message, {
        approval_id: cmd.approvalId,
        project_id: cmd.projectId,
        code: e instanceof AutopilotError ? e.code : undefined,
        reason: e.reason,
      });
      throw e;
    }
  }
}
