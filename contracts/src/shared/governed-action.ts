import { Type, type Static } from '@sinclair/typebox';
import { CommandArgv } from './command-argv';
import { Text } from './primitives';
import { RiskScore } from './risk';
import { StringEnum } from './string-enum';

export const ACTION_KINDS = [
  'file_write',
  'file_delete',
  'command',
  'llm_call',
  'git_commit',
  'git_push',
  'pull_request',
  'plan_change',
] as const;
export const ActionKind = StringEnum(ACTION_KINDS, { description: 'What the action does' });
export type ActionKind = Static<typeof ActionKind>;

/** An action a run (or a plan proposal) wants to take, as governance policy judges it. */
export const GovernedAction = Type.Object(
  {
    kind: ActionKind,
    riskScore: RiskScore(),
    paths: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
      maxItems: 1000,
      description: 'Paths the action touches, relative to the worktree root; checked on resolved real paths',
    }),
    argv: Type.Optional(CommandArgv),
    summary: Type.Optional(Text(2000, 'What the action does, in words, for the person who may approve it')),
  },
  { description: 'An action awaiting a policy decision' },
);
export type GovernedAction = Static<typeof GovernedAction>;
