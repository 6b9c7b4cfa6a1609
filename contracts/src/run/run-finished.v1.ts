import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { CommandArgv } from '../shared/command-argv';
import { Failure } from '../shared/failure';
import { RunOutcome } from '../shared/lifecycles';
import { CommitSha, Count, DurationMs, Id, Money, Text, Timestamp } from '../shared/primitives';
import { DiffStats, TestResults, TokenUsage } from '../shared/usage';

export const RunFinishedV1 = defineMessage({
  kind: 'event',
  aggregate: 'run',
  name: 'finished',
  version: 1,
  producer: 'worker',
  consumers: ['manager', 'planner', 'gateway'],
  summary: 'A run ended: its outcome, branch, diff stats, tests, cost and confidence.',
  data: Type.Object({
    runId: Id('Run'),
    taskId: Id('Task'),
    projectId: Id('Project'),
    fencingToken: Type.Integer({
      minimum: 1,
      description: 'Lease token; a result from a stale lease is refused',
    }),
    outcome: RunOutcome,
    branch: Type.Optional(
      Type.String({ maxLength: 255, description: 'Branch holding the work, for review' }),
    ),
    headCommit: Type.Optional(CommitSha('Last commit on the branch')),
    costUsd: Money('Total cost of the run, resumed parts included'),
    tokens: TokenUsage,
    diff: DiffStats,
    tests: TestResults,
    durationMs: DurationMs('Wall time the run spent on workers, suspensions excluded'),
    steps: Count('Steps recorded'),
    confidence: Type.Number({
      minimum: 0,
      maximum: 1,
      description: "Worker's confidence that the branch does what the task asks (0 to 1)",
    }),
    summary: Type.Optional(Text(4000, 'What was done, for the reviewer')),
    // Since issue 15: each acceptance criterion of the task with the command that checked it, or
    // said plainly to rest on the model's word.
    criteria: Type.Optional(
      Type.Array(
        Type.Object(
          {
            criterion: Text(2000, 'The acceptance criterion, as the task states it'),
            checkedBy: Type.Optional(CommandArgv),
          },
          { description: 'checkedBy absent: not machine-checked' },
        ),
        { maxItems: 100, description: 'The acceptance criteria with their evidence' },
      ),
    ),
    // Since issue 14: the quality gate's checks ("done is a claim"), so a policy can pause a
    // project on a named failed check and a person reads why.
    gates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Text(
              100,
              'The check: changes, tests, scope, protected_paths, diff_size or conflict_markers',
            ),
            passed: Type.Boolean({ description: 'Whether the check passed' }),
            detail: Type.Optional(Text(1000, 'What the check found, for a person')),
          },
          { description: 'One check of the quality gate' },
        ),
        { maxItems: 50, description: "The quality gate's checks of the run's final state" },
      ),
    ),
    failure: Type.Optional(Failure),
    finishedAt: Timestamp('When the run ended'),
  }),
});
export type RunFinishedV1 = Static<typeof RunFinishedV1.data>;
