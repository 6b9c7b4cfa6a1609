import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id } from '../shared/primitives';
import { StringEnum } from '../shared/string-enum';

export const GovernanceDecideApprovalV1 = defineMessage({
  kind: 'command',
  service: 'governance',
  name: 'decide_approval',
  version: 1,
  producer: 'gateway',
  consumers: ['governance'],
  summary: 'A person approves or rejects a pending approval request.',
  data: Type.Object({
    approvalId: Id('Approval to decide'),
    projectId: Id('Project'),
    decision: StringEnum(['approved', 'rejected'] as const, { description: 'The decision' }),
    decidedBy: Actor,
    comment: Type.Optional(Type.String({ maxLength: 4000, description: "The decider's note" })),
  }),
});
export type GovernanceDecideApprovalV1 = Static<typeof GovernanceDecideApprovalV1.data>;
