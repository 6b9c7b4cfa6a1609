import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { ApprovalMotivation } from '../shared/approval';
import { GovernedAction } from '../shared/governed-action';
import { Count, Id, Text } from '../shared/primitives';
import { StringEnum } from '../shared/string-enum';

const GovernanceEvaluateReply = Type.Object({
  decision: StringEnum(['allow', 'deny', 'needs_approval'] as const, {
    description: 'allow: go ahead; deny: do not, ever; needs_approval: suspend until a person decides',
  }),
  reasons: Type.Array(Text(1000, 'One reason'), { maxItems: 50, description: 'Why, in words' }),
  ruleIds: Type.Array(Id('Policy rule id'), { maxItems: 50, description: 'The policy rules that decided' }),
  approvalId: Type.Optional(
    Id('needs_approval: the approval request opened (announced by approval.requested)'),
  ),
});

export const GovernanceEvaluateV1 = defineMessage({
  kind: 'request',
  service: 'governance',
  name: 'evaluate',
  version: 1,
  producer: 'worker',
  consumers: ['governance'],
  summary:
    'Ask policy whether an action may run: allow, deny or needs_approval, with the rules that decided.',
  data: Type.Object({
    projectId: Id('Project'),
    runId: Id('Run that wants to act'),
    taskId: Id('Task of the run'),
    stepSeq: Count('Step the action belongs to'),
    action: GovernedAction,
    motivation: Type.Optional(ApprovalMotivation),
    // Optional since issue 14: where the run acts, so paths are judged inside its worktree.
    worktree: Type.Optional(
      Type.Object(
        {
          root: Type.String({
            minLength: 1,
            maxLength: 4096,
            description: "Absolute path of the run's worktree",
          }),
          branch: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 255,
              description: 'The branch checked out there (the run branch)',
            }),
          ),
        },
        { description: 'The worktree the action runs in; absent: every absolute path is outside it' },
      ),
    ),
    realPaths: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ minLength: 1, maxLength: 1024, description: 'A path as the action names it' }),
          realPath: Type.String({
            minLength: 1,
            maxLength: 4096,
            description: 'Its absolute real path on disk (symlinks followed)',
          }),
        }),
        {
          maxItems: 1000,
          description: 'Resolved real paths of the action paths, checked against the worktree',
        },
      ),
    ),
    dependencyTask: Type.Optional(
      Type.Boolean({ description: 'The task is about dependencies: lockfiles are then not protected' }),
    ),
  }),
  reply: GovernanceEvaluateReply,
});
export type GovernanceEvaluateV1 = Static<typeof GovernanceEvaluateV1.data>;
export type GovernanceEvaluateV1Reply = Static<typeof GovernanceEvaluateReply>;
