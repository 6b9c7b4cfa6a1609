import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { PlanNode } from '../shared/plan-node';
import { Id, Text, Timestamp } from '../shared/primitives';
import { RiskScore } from '../shared/risk';
import { StringEnum } from '../shared/string-enum';
import { TaskSpec } from '../shared/task-spec';

export const PROPOSAL_ACTION_KINDS = [
  'add_task',
  'update_task',
  'remove_task',
  'add_plan_node',
  'update_plan_node',
  'remove_plan_node',
] as const;

/**
 * One bounded change to the plan. `task` or `planNode` carries the new state for add/update
 * actions; `targetId` names what an update or remove touches.
 */
export const ProposalAction = Type.Object(
  {
    id: Id('Action id, unique within the proposal; approvals point at it'),
    kind: StringEnum(PROPOSAL_ACTION_KINDS, { description: 'What the action changes' }),
    targetId: Type.Optional(Id('Task or plan node updated or removed')),
    summary: Text(1000, 'What the action does and why'),
    riskScore: RiskScore(),
    approval: StringEnum(['auto_approvable', 'needs_approval'] as const, {
      description: 'Whether policy lets the action apply without a person (semi_auto/full_auto only)',
    }),
    task: Type.Optional(TaskSpec),
    planNode: Type.Optional(PlanNode),
  },
  { description: 'A bounded change to the plan' },
);
export type ProposalAction = Static<typeof ProposalAction>;

export const PlanProposalCreatedV1 = defineMessage({
  kind: 'event',
  aggregate: 'plan_proposal',
  name: 'created',
  version: 1,
  producer: 'planner',
  consumers: ['gateway'],
  summary: 'A PlanProposal v1: a bounded list of plan changes, each with a risk score and approval need.',
  data: Type.Object({
    id: Id('Proposal id'),
    formatVersion: Type.Literal(1, { description: 'PlanProposal format version' }),
    projectId: Id('Project'),
    planId: Id('Plan the proposal changes'),
    planRevision: Type.Integer({ minimum: 1, description: 'Plan revision the actions apply to' }),
    anchorId: Id('Intention anchor the changes serve'),
    gapReportId: Type.Optional(Id('Gap report the proposal answers')),
    title: Text(300, 'One line'),
    rationale: Type.String({ maxLength: 4000, description: 'Why these changes' }),
    actions: Type.Array(ProposalAction, {
      minItems: 1,
      maxItems: 50,
      description: 'At most 50, so a person can review a proposal in one sitting',
    }),
    createdAt: Timestamp('When the proposal was made'),
  }),
});
export type PlanProposalCreatedV1 = Static<typeof PlanProposalCreatedV1.data>;
