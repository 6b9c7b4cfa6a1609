import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { PlanNode } from '../shared/plan-node';
import { Count, Id, Text, Timestamp } from '../shared/primitives';
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
  // Repository actions answering a gap report (@since issue 3): `targetPaths` says where.
  'add_tests',
  'add_test_command',
  'fix_docs',
  'remove_clutter',
  'tidy_root',
  'fix_lockfile',
  'rotate_secret',
  'untrack_binary',
  'add_license',
  'add_readme',
  'run_tests',
] as const;
export type ProposalActionKind = (typeof PROPOSAL_ACTION_KINDS)[number];

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
      description:
        'Whether policy lets the action apply without a person (semi_auto/full_auto only). Default deny: ' +
        'needs_approval unless the kind is low-risk and no target path is protected',
    }),
    targetPaths: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
        maxItems: 100,
        description: 'Repository paths the action touches, from the root (a directory ends in /)',
      }),
    ),
    rationale: Type.Optional(Text(2000, 'Why: the gap it closes and the anchor pivot it serves')),
    gapIds: Type.Optional(
      Type.Array(Id('Gap'), { maxItems: 50, description: 'Gaps of the gap report the action closes' }),
    ),
    approvalReasons: Type.Optional(
      Type.Array(Text(300, 'One reason'), {
        maxItems: 20,
        description: 'Why the action needs approval (or why it may apply without one)',
      }),
    ),
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
    id: Id('Proposal id; derived from the anchor, the gap report and the actions'),
    formatVersion: Type.Literal(1, { description: 'PlanProposal format version' }),
    projectId: Id('Project'),
    // Optional since issue 3: a proposal answering a repository gap report may precede any plan.
    planId: Type.Optional(Id('Plan the proposal changes')),
    planRevision: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Plan revision the actions apply to' }),
    ),
    anchorId: Id('Intention anchor the changes serve'),
    gapReportId: Type.Optional(Id('Gap report the proposal answers')),
    title: Text(300, 'One line'),
    rationale: Type.String({ maxLength: 4000, description: 'Why these changes' }),
    actions: Type.Array(ProposalAction, {
      minItems: 1,
      maxItems: 50,
      description:
        'At most 50, so a person can review a proposal in one sitting; actions for blocking gaps come first',
    }),
    droppedActions: Type.Optional(
      Count('Actions left out to respect the bound; the next proposal picks them up once these are done'),
    ),
    createdAt: Timestamp('When the proposal was made'),
  }),
});
export type PlanProposalCreatedV1 = Static<typeof PlanProposalCreatedV1.data>;
