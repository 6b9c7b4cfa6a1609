import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { CommandArgv } from '../shared/command-argv';
import { CommitSha, DurationMs, Id, Money, Text, Timestamp } from '../shared/primitives';
import { StringEnum } from '../shared/string-enum';
import { TokenUsage } from '../shared/usage';

export const STEP_KINDS = ['llm_call', 'command', 'edit', 'gate', 'checkpoint'] as const;
export const StepKind = StringEnum(STEP_KINDS, {
  description:
    'llm_call: a model call; command: an allowlisted program; edit: file writes; gate: a check; checkpoint: a commit',
});
export type StepKind = Static<typeof StepKind>;

export const STEP_STATUSES = ['succeeded', 'failed', 'denied', 'timed_out'] as const;
export const StepStatus = StringEnum(STEP_STATUSES, {
  description: 'denied: policy refused the action; timed_out: stopped at its time limit',
});
export type StepStatus = Static<typeof StepStatus>;

export const StepRecordedV1 = defineMessage({
  kind: 'event',
  aggregate: 'step',
  name: 'recorded',
  version: 1,
  producer: 'worker',
  consumers: ['manager', 'gateway'],
  summary: 'One step of a run finished: an LLM call, a command, an edit, a gate or a checkpoint.',
  data: Type.Object({
    runId: Id('Run'),
    taskId: Id('Task'),
    projectId: Id('Project'),
    fencingToken: Type.Integer({
      minimum: 1,
      description: 'Lease token; the manager drops steps from a stale lease',
    }),
    seq: Type.Integer({
      minimum: 1,
      description: 'Step number within the run, from 1, continuing across resumes',
    }),
    kind: StepKind,
    summary: Text(2000, 'What the step did, for the dashboard (no secrets, no full outputs)'),
    status: StepStatus,
    costUsd: Money('Cost of the step; 0 for steps without an LLM call'),
    tokens: Type.Optional(TokenUsage),
    durationMs: DurationMs('How long the step took'),
    model: Type.Optional(Type.String({ maxLength: 128, description: 'llm_call: the model used' })),
    argv: Type.Optional(CommandArgv),
    exitCode: Type.Optional(Type.Integer({ description: 'command: the exit code' })),
    paths: Type.Optional(
      Type.Array(Type.String({ maxLength: 1024 }), {
        maxItems: 1000,
        description: 'edit: paths written, worktree-relative',
      }),
    ),
    commit: Type.Optional(CommitSha('checkpoint: the commit made')),
    startedAt: Timestamp('When the step started'),
  }),
});
export type StepRecordedV1 = Static<typeof StepRecordedV1.data>;
