import { Inject, Injectable } from '@nestjs/common';
import { ApprovalRequestedV1, type GovernanceRequestApprovalV1 } from '@autopilot/contracts';
import { Clock, IdSource, sha256Hex } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { requestApproval, toApprovalMessage } from '../domain/approval/approval';
import { defaultPolicy } from '../domain/policy/project-policy';
import { policyActionOf } from './policy-action-of';
import { ApprovalRepository, PolicyRepository } from './ports';

/**
 * `governance.request_approval`: the manager asks a person before it starts a task (semi_auto) or
 * continues a run. Governance opens the approval under the id the manager chose, with the project
 * policy's expiry, reminder and expiry default, bound to the action's hash, and announces it with
 * `approval.requested`; the approval, its audit entry, the event and the command's inbox record go
 * in one transaction. A resent command (the id exists) changes nothing. It is decided, reminded and
 * expired like every other approval (`approval.decided` tells the manager).
 */
@Injectable()
export class RequestApprovalUseCase {
  constructor(
    @Inject(ApprovalRepository) private readonly approvals: ApprovalRepository,
    @Inject(PolicyRepository) private readonly policies: PolicyRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  /** `opened`, or `repeated` when the approval already exists. */
  async execute(cmd: GovernanceRequestApprovalV1): Promise<'opened' | 'repeated'> {
    const now = this.clock.isoNow();
    const record = await this.policies.get(cmd.projectId);
    const policy = defaultPolicy(record?.scan?.toolchains ?? []);
    const { hash } = policyActionOf(cmd.action, sha256Hex);
    const key = { projectId: cmd.projectId, taskId: cmd.taskId, actionHash: hash };
    return this.approvals.update(async (reads) => {
      if ((await reads.approval(cmd.approvalId)) !== null) {
        return { result: 'repeated' as const, audit: [], events: [], recordHandled: true };
      }
      // The new approval becomes the latest for this action of this task (read first: compare-and-set).
      await reads.latestFor(key);
      const approval = requestApproval({
        id: cmd.approvalId,
        projectId: cmd.projectId,
        taskId: cmd.taskId,
        ...(cmd.runId !== undefined ? { runId: cmd.runId } : {}),
        action: cmd.action,
        actionHash: hash,
        reasons: cmd.reasons,
        ruleIds: cmd.ruleIds,
        motivation: cmd.motivation ?? {},
        now,
        settings: policy.approvals,
      });
      return {
        result: 'opened' as const,
        approvals: [{ state: approval, key }],
        audit: [
          {
            id: this.ids.next(),
            at: now,
            kind: 'evaluation',
            projectId: cmd.projectId,
            ...(cmd.runId !== undefined ? { runId: cmd.runId } : {}),
            taskId: cmd.taskId,
            action: cmd.action,
            actionHash: hash,
            outcome: 'needs_approval',
            reasons: cmd.reasons,
            ruleIds: cmd.ruleIds,
            approvalId: approval.id,
            actor: { kind: 'system', id: 'manager' },
          },
        ],
        events: [this.envelopes.build(ApprovalRequestedV1, toApprovalMessage(approval))],
        recordHandled: true,
      };
    });
  }
}
