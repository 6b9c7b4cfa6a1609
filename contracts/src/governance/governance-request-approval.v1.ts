import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { ApprovalMotivation } from '../shared/approval';
import { GovernedAction } from '../shared/governed-action';
import { Id, Text } from '../shared/primitives';

// Since issue 14: the manager asks before it starts a task (semi_auto) or resumes a run suspended
// for budget. A command on the work queue, not `governance.evaluate`: the manager writes the
// task's move and this command in one transaction (its outbox), so the request is never lost and
// never depends on governance answering while the tick runs.
export const GovernanceRequestApprovalV1 = defineMessage({
  kind: 'command',
  service: 'governance',
  name: 'request_approval',
  version: 1,
  producer: 'manager',
  consumers: ['governance'],
  summary:
    'The manager asks a person to approve starting a task or continuing a run; governance opens the approval (announced by approval.requested) with its policy expiry.',
  data: Type.Object({
    approvalId: Id('The approval to open (chosen by the manager; a resent command opens nothing new)'),
    projectId: Id('Project'),
    taskId: Id('The task that waits'),
    runId: Type.Optional(Id('The suspended run that waits, when continuing a run')),
    action: GovernedAction,
    reasons: Type.Array(Text(1000, 'One reason'), {
      minItems: 1,
      maxItems: 50,
      description: 'Why the manager asks a person',
    }),
    ruleIds: Type.Array(Id('Manager rule id'), {
      maxItems: 50,
      description: 'The manager rules that asked (e.g. autonomy.semi_auto)',
    }),
    motivation: Type.Optional(ApprovalMotivation),
  }),
});
export type GovernanceRequestApprovalV1 = Static<typeof GovernanceRequestApprovalV1.data>;
