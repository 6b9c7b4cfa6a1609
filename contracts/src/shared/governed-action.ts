import { Type, type Static } from '@sinclair/typebox';
import { Sha256 } from './blueprint-text';
import { CommandArgv } from './command-argv';
import { Count, Money, Text } from './primitives';
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
  // Since issue 14 (governance): network use outside a command, and a merge into a branch.
  'network',
  'merge',
  // Since issue 14 (manager): starting a task that semi_auto may not start alone.
  'task_start',
  // Since issue 14 (manager): continuing a run past its own budget cap ("continue with $X more").
  'budget_extension',
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
    // Optional since issue 14: what policy needs to judge the action exactly and bind an approval to it.
    diff: Type.Optional(
      Type.Object(
        {
          insertions: Count('Lines added'),
          deletions: Count('Lines removed'),
          sha256: Sha256('sha256 (hex) of the unified diff: an approval covers exactly this diff'),
        },
        { description: 'file_write / file_delete: the change; required by policy for file actions' },
      ),
    ),
    cwd: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "command: where it runs, relative to the worktree root; '.' or absent for the root",
      }),
    ),
    network: Type.Optional(
      Type.Object(
        {
          purpose: StringEnum(['install', 'other'] as const, { description: 'What the network is for' }),
          host: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The host reached' })),
        },
        { description: 'network, or a command that needs network: what for' },
      ),
    ),
    push: Type.Optional(
      Type.Object(
        {
          remote: Type.String({ minLength: 1, maxLength: 255, description: 'Remote name or URL' }),
          refspecs: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
            maxItems: 50,
            description: 'Refspecs as git push takes them; empty: the current branch',
          }),
          force: Type.Optional(Type.Boolean({ description: 'A forced push (denied)' })),
        },
        { description: 'git_push: what is pushed where' },
      ),
    ),
    budget: Type.Optional(
      Type.Object(
        {
          runId: Type.String({ minLength: 1, maxLength: 64, description: 'The run whose cap grows' }),
          extraUsd: Money('How much more the run may spend once approved'),
        },
        { description: "budget_extension: the run's cap grows by extraUsd when approved" },
      ),
    ),
    targetBranch: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'merge: the branch merged into' }),
    ),
  },
  { description: 'An action awaiting a policy decision' },
);
export type GovernedAction = Static<typeof GovernedAction>;
