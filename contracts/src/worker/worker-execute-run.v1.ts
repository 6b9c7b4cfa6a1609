import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { IntentionAnchor } from '../shared/intention-anchor';
import { AutonomyMode } from '../shared/lifecycles';
import { CommitSha, Id, Money, Timestamp } from '../shared/primitives';
import { RepoRef } from '../shared/repo';
import { RunCheckpoint } from '../shared/run-checkpoint';
import { TaskSpec } from '../shared/task-spec';

export const WorkerExecuteRunV1 = defineMessage({
  kind: 'command',
  service: 'worker',
  name: 'execute_run',
  version: 1,
  producer: 'manager',
  consumers: ['worker'],
  summary: 'Execute (or resume) one run of a task in its own worktree; held by a lease with a fencing token.',
  data: Type.Object({
    runId: Id('Run id'),
    taskId: Id('Task'),
    projectId: Id('Project'),
    attempt: Type.Integer({ minimum: 1, description: 'Attempt number of the task, 1 for the first run' }),
    fencingToken: Type.Integer({
      minimum: 1,
      description: 'Lease fencing token; writes carrying an older token than the current lease are refused',
    }),
    leaseExpiresAt: Timestamp('When the lease lapses unless the worker renews it'),
    task: TaskSpec,
    repo: RepoRef,
    baseCommit: CommitSha('Commit the run branch starts from'),
    branch: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Run branch to create or resume: autopilot/<task-slug>-<short run id>',
    }),
    resumeFrom: Type.Optional(RunCheckpoint),
    autonomyMode: AutonomyMode,
    budgetUsd: Money('Run cap; every LLM call still reserves with governance first'),
    anchor: Type.Optional(IntentionAnchor),
  }),
});
export type WorkerExecuteRunV1 = Static<typeof WorkerExecuteRunV1.data>;
