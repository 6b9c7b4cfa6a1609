import { Inject, Injectable } from '@nestjs/common';
import { ApprovalDecidedV1, ApprovalReminderV1 } from '@autopilot/contracts';
import { Clock, IdSource } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { expireApproval, markReminded, toApprovalMessage } from '../domain/approval/approval';
import { expiryAudit } from './evaluate-action';
import { ApprovalRepository } from './ports';

/** Approvals handled per page of the sweep. */
const PAGE = 100;

/**
 * One pass over the approvals that are due: a pending approval past its expiry turns `expired` with
 * its policy default (`reject` or `skip_task`) and `approval.decided` (decided by the system); one
 * past its reminder wait gets `approval.reminder`, once. Each approval is changed in its own
 * transaction with its event and audit entry, re-read inside it, so a person's decision that landed
 * meanwhile wins and a second sweep changes nothing.
 */
@Injectable()
export class SweepApprovalsUseCase {
  constructor(
    @Inject(ApprovalRepository) private readonly approvals: ApprovalRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  async execute(): Promise<{ expired: number; reminded: number }> {
    const now = this.clock.isoNow();
    const counts = { expired: 0, reminded: 0 };
    const done = new Set<string>();
    for (;;) {
      const due = (await this.approvals.due(now, PAGE)).filter((a) => !done.has(a.id));
      if (due.length === 0) return counts;
      for (const { id } of due) {
        done.add(id);
        const outcome = await this.approvals.update(async (reads) => {
          const state = await reads.approval(id);
          if (state === null) return { result: 'none' as const, audit: [], events: [] };
          const expired = expireApproval(state, now);
          if (expired.changed) {
            return {
              result: 'expired' as const,
              approvals: [{ state: expired.state }],
              audit: [expiryAudit(this.ids.next(), now, expired.state)],
              events: [this.envelopes.build(ApprovalDecidedV1, toApprovalMessage(expired.state))],
            };
          }
          const reminded = markReminded(state, now);
          if (!reminded.changed) return { result: 'none' as const, audit: [], events: [] };
          return {
            result: 'reminded' as const,
            approvals: [{ state: reminded.state }],
            audit: [
              {
                id: this.ids.next(),
                at: now,
                kind: 'reminder' as const,
                projectId: state.projectId,
                actionHash: state.actionHash,
                outcome: 'pending',
                reasons: [`still pending; expires at ${state.expiresAt ?? '?'}`],
                ruleIds: [],
                approvalId: state.id,
              },
            ],
            events: [this.envelopes.build(ApprovalReminderV1, toApprovalMessage(reminded.state))],
          };
        });
        if (outcome !== 'none') counts[outcome]++;
      }
    }
  }
}
