import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { CommitSha, Id, Timestamp } from '../shared/primitives';

export const RunStartedV1 = defineMessage({
  kind: 'event',
  aggregate: 'run',
  name: 'started',
  version: 1,
  producer: 'worker',
  consumers: ['manager', 'gateway'],
  summary: 'A worker took a run (fresh or resumed) and set up its worktree.',
  data: Type.Object({
    runId: Id('Run'),
    taskId: Id('Task'),
    projectId: Id('Project'),
    fencingToken: Type.Integer({ minimum: 1, description: 'Lease token the worker holds' }),
    workerId: Id('Worker replica'),
    branch: Type.String({ minLength: 1, maxLength: 255, description: 'Run branch' }),
    baseCommit: CommitSha('Commit the branch started from'),
    resumedFrom: Type.Optional(CommitSha('Checkpoint commit the run resumed from')),
    startedAt: Timestamp('When the worker started'),
  }),
});
export type RunStartedV1 = Static<typeof RunStartedV1.data>;
