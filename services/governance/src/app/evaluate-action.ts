import { Inject, Injectable } from '@nestjs/common';
import {
  ApprovalDecidedV1,
  ApprovalRequestedV1,
  type Envelope,
  type GovernanceEvaluateV1,
  type GovernanceEvaluateV1Reply,
} from '@autopilot/contracts';
import { Clock, IdSource, sha256Hex } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import {
  approvalCovers,
  expireApproval,
  requestApproval,
  toApprovalMessage,
  type ApprovalState,
} from '../domain/approval/approval';
import { evaluate } from '../domain/policy/evaluate';
import type { Evaluation, EvaluationContext } from '../domain/policy/policy-action';
import { defaultPolicy } from '../domain/policy/project-policy';
import { policyActionOf } from './policy-action-of';
import { ApprovalRepository, PolicyRepository, type ApprovalChange, type AuditEntry } from './ports';

/** The worktree root assumed when a request names none: every absolute path is then outside it. */
const NO_WORKTREE = '/nonexistent-worktree';

/**
 * `governance.evaluate`: judges an action against its project's policy (the default policy over
 * the project's scanned toolchains, in the project's autonomy mode). `needs_approval` is answered
 * by an approved approval of the exact same action (same action hash, same task) with `allow`; by
 * a pending one with its id; by a rejected one with `deny`; otherwise a new approval is opened with
 * the policy's expiry and reminder and announced with `approval.requested`. Every evaluation is
 * appended to the audit log in the same transaction as the approval and its event.
 */
@Injectable()
export class EvaluateActionUseCase {
  constructor(
    @Inject(PolicyRepository) private readonly policies: PolicyRepository,
    @Inject(ApprovalRepository) private readonly approvals: ApprovalRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  async execute(req: GovernanceEvaluateV1): Promise<GovernanceEvaluateV1Reply> {
    const now = this.clock.isoNow();
    const record = await this.policies.get(req.projectId);
    const policy = defaultPolicy(record?.scan?.toolchains ?? []);
    const mapped = policyActionOf(req.action, sha256Hex);
    const project = record?.project;
    let evaluation: Evaluation;
    if (project === undefined) {
      evaluation = verdict(
        'deny',
        'project.unknown',
        `project ${req.projectId} is unknown to governance (no project.updated received)`,
      );
    } else if (!mapped.judged) {
      evaluation =
        project.autonomyMode === 'off' || project.autonomyMode === 'suggest'
          ? verdict(
              'deny',
              `mode.${project.autonomyMode}`,
              `the project is ${project.autonomyMode}: runs take no actions`,
            )
          : verdict(mapped.effect, mapped.ruleId, mapped.reason);
    } else {
      const context: EvaluationContext = {
        mode: project.autonomyMode,
        defaultBranch: project.defaultBranch,
        worktreeRoot: req.worktree?.root ?? NO_WORKTREE,
        ...(req.worktree?.branch !== undefined ? { currentBranch: req.worktree.branch } : {}),
        ...(req.dependencyTask !== undefined ? { dependencyTask: req.dependencyTask } : {}),
        ...(req.realPaths !== undefined
          ? { realPaths: Object.fromEntries(req.realPaths.map((p) => [p.path, p.realPath])) }
          : {}),
      };
      evaluation = evaluate(mapped.action, policy, context);
    }
    const audit = (reply: GovernanceEvaluateV1Reply): AuditEntry => ({
      id: this.ids.next(),
      at: now,
      kind: 'evaluation',
      projectId: req.projectId,
      runId: req.runId,
      taskId: req.taskId,
      stepSeq: req.stepSeq,
      action: req.action,
      actionHash: mapped.hash,
      outcome: reply.decision,
      reasons: reply.reasons,
      ruleIds: reply.ruleIds,
      ...(reply.approvalId !== undefined ? { approvalId: reply.approvalId } : {}),
    });
    const done = (
      reply: GovernanceEvaluateV1Reply,
      extra: Omit<ApprovalChange<unknown>, 'result' | 'audit'> & { audit?: AuditEntry[] } = { events: [] },
    ): ApprovalChange<GovernanceEvaluateV1Reply> => ({
      result: reply,
      ...extra,
      audit: [...(extra.audit ?? []), audit(reply)],
    });

    return this.approvals.update(async (reads) => {
      if (evaluation.decision !== 'needs_approval') return done(evaluation);
      const key = { projectId: req.projectId, taskId: req.taskId, actionHash: mapped.hash };
      const latest = await reads.latestFor(key);
      const changed: { state: ApprovalState; key?: typeof key }[] = [];
      const events: Envelope[] = [];
      const extraAudit: AuditEntry[] = [];
      if (latest !== null && approvalCovers(latest, mapped.hash)) {
        return done({
          decision: 'allow',
          reasons: [`approval ${latest.id} covers this exact action`],
          ruleIds: ['approval.approved'],
          approvalId: latest.id,
        });
      }
      if (latest?.status === 'rejected') {
        return done({
          decision: 'deny',
          reasons: [
            `approval ${latest.id} rejected this exact action${latest.comment ? `: ${latest.comment}` : ''}`.slice(
              0,
              1000,
            ),
          ],
          ruleIds: ['approval.rejected'],
          approvalId: latest.id,
        });
      }
      if (latest?.status === 'pending') {
        // Its expiry passed before the sweep came by: expire it now, then ask again.
        const expired = expireApproval(latest, now);
        if (!expired.changed) {
          return done({ ...evaluation, approvalId: latest.id });
        }
        changed.push({ state: expired.state });
        events.push(this.envelopes.build(ApprovalDecidedV1, toApprovalMessage(expired.state)));
        extraAudit.push(expiryAudit(this.ids.next(), now, expired.state));
      }
      const approval = requestApproval({
        id: this.ids.next(),
        projectId: req.projectId,
        runId: req.runId,
        taskId: req.taskId,
        stepSeq: req.stepSeq,
        action: req.action,
        actionHash: mapped.hash,
        reasons: evaluation.reasons,
        ruleIds: evaluation.ruleIds,
        motivation: req.motivation ?? {},
        now,
        settings: policy.approvals,
      });
      changed.push({ state: approval, key });
      events.push(this.envelopes.build(ApprovalRequestedV1, toApprovalMessage(approval)));
      return done(
        { ...evaluation, approvalId: approval.id },
        { approvals: changed, events, audit: extraAudit },
      );
    });
  }
}

function verdict(decision: Evaluation['decision'], ruleId: string, reason: string): Evaluation {
  return { decision, reasons: [reason.slice(0, 1000)], ruleIds: [ruleId] };
}

/** The audit entry of an approval that expired to its policy default. */
export function expiryAudit(id: string, at: string, state: ApprovalState): AuditEntry {
  return {
    id,
    at,
    kind: 'expiry',
    projectId: state.projectId,
    ...(state.runId !== undefined ? { runId: state.runId } : {}),
    ...(state.taskId !== undefined ? { taskId: state.taskId } : {}),
    ...(state.stepSeq !== undefined ? { stepSeq: state.stepSeq } : {}),
    actionHash: state.actionHash,
    outcome: 'expired',
    reasons: [
      `nobody answered before ${state.expiresAt ?? '?'}: the policy default ${state.expiryOutcome ?? '?'} applies`,
    ],
    ruleIds: [],
    approvalId: state.id,
    ...(state.decidedBy ? { actor: state.decidedBy } : {}),
  };
}
