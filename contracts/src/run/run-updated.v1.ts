import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Failure } from '../shared/failure';
import { RunStatus, SuspendReason } from '../shared/lifecycles';
import { CommitSha, Count, Id, Money, Revision, Timestamp } from '../shared/primitives';
import { RunCheckpoint } from '../shared/run-checkpoint';
import { DiffStats, TestResults, TokenUsage } from '../shared/usage';

/** A run's whole state as the manager holds it. */
export const Run = Type.Object(
  {
    id: Id('Run id'),
    projectId: Id('Project'),
    taskId: Id('Task'),
    attempt: Type.Integer({ minimum: 1, description: 'Attempt number of the task' }),
    status: RunStatus,
    fencingToken: Type.Integer({ minimum: 1, description: 'Token of the current lease' }),
    workerId: Type.Optional(Id('Worker replica holding the run, while running')),
    branch: Type.String({ minLength: 1, maxLength: 255, description: 'Run branch' }),
    baseCommit: CommitSha('Commit the branch started from'),
    checkpoint: Type.Optional(RunCheckpoint),
    suspendReason: Type.Optional(SuspendReason),
    approvalId: Type.Optional(Id('The approval a suspended run waits for')),
    steps: Count('Steps recorded so far'),
    costUsd: Money('Spent so far'),
    tokens: TokenUsage,
    diff: Type.Optional(DiffStats),
    tests: Type.Optional(TestResults),
    confidence: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: "Worker's confidence in the result" }),
    ),
    failure: Type.Optional(Failure),
    traceId: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{32}$', description: 'OpenTelemetry trace of the run, for Jaeger' }),
    ),
    createdAt: Timestamp('When the manager created the run'),
    startedAt: Type.Optional(Timestamp('When a worker first started it')),
    finishedAt: Type.Optional(Timestamp('When it reached a final status')),
    updatedAt: Timestamp('When this state was reached'),
    revision: Revision(),
  },
  { description: 'A run and where it stands' },
);
export type Run = Static<typeof Run>;

export const RunUpdatedV1 = defineMessage({
  kind: 'event',
  aggregate: 'run',
  name: 'updated',
  version: 1,
  producer: 'manager',
  consumers: ['gateway'],
  summary: "A run's state changed; carries the whole run.",
  data: Run,
});
export type RunUpdatedV1 = Static<typeof RunUpdatedV1.data>;
