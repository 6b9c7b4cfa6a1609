import { Type, type Static } from '@sinclair/typebox';
import { Actor } from './actor';
import { GovernedAction } from './governed-action';
import { ApprovalStatus } from './lifecycles';
import { Count, Id, Revision, Text, Timestamp } from './primitives';
import { StringEnum } from './string-enum';

/** What motivated the action: DESIGN.md section 5 links every approval to its anchor/gap report/proposal. */
export const ApprovalMotivation = Type.Object(
  {
    anchorId: Type.Optional(Id('The intention anchor the action serves')),
    gapReportId: Type.Optional(Id('The gap report that called for it')),
    proposalId: Type.Optional(Id('The plan proposal it belongs to')),
    proposalActionId: Type.Optional(Id('The action within that proposal')),
  },
  { description: 'Why the action is wanted' },
);
export type ApprovalMotivation = Static<typeof ApprovalMotivation>;

/** An approval request and, once decided, its decision: the whole state, as approval events carry it. */
export const Approval = Type.Object(
  {
    id: Id('Approval id'),
    projectId: Id('Project'),
    runId: Type.Optional(Id('The run that waits; absent for plan proposal approvals')),
    taskId: Type.Optional(Id('The task of that run')),
    stepSeq: Type.Optional(Count('The step of the run that asked')),
    action: GovernedAction,
    reasons: Type.Array(Text(1000, 'One reason'), { maxItems: 50, description: 'Why policy asks a person' }),
    ruleIds: Type.Array(Id('Policy rule id'), { maxItems: 50, description: 'The policy rules that matched' }),
    motivation: ApprovalMotivation,
    status: ApprovalStatus,
    requestedAt: Timestamp('When governance asked'),
    expiresAt: Type.Optional(Timestamp('When a pending approval turns expired')),
    decidedAt: Type.Optional(Timestamp('When it was approved, rejected or expired')),
    decidedBy: Type.Optional(Actor),
    comment: Type.Optional(Type.String({ maxLength: 4000, description: "The decider's note" })),
    expiryOutcome: Type.Optional(
      StringEnum(['reject', 'skip_task'] as const, {
        description:
          "expired: the policy's default applied because nobody answered (reject the action, or skip the task)",
      }),
    ),
    revision: Revision(),
  },
  { description: 'An approval request and its decision' },
);
export type Approval = Static<typeof Approval>;
