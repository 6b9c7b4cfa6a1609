import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Id, Text } from '../shared/primitives';

export const GovernanceWithdrawApprovalV1 = defineMessage({
  kind: 'command',
  service: 'governance',
  name: 'withdraw_approval',
  version: 1,
  producer: 'manager',
  consumers: ['governance'],
  summary:
    'What a pending approval asks is no longer needed (its run resumed another way): governance closes it ' +
    'as expired, so nobody is left a question whose answer would change nothing.',
  data: Type.Object({
    approvalId: Id('Approval to withdraw'),
    projectId: Id('Project'),
    reason: Text(1000, 'Why it is no longer needed, for the person who finds it closed'),
  }),
});
export type GovernanceWithdrawApprovalV1 = Static<typeof GovernanceWithdrawApprovalV1.data>;
