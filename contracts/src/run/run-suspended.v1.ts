import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { SuspendReason } from '../shared/lifecycles';
import { Id, Money, Timestamp } from '../shared/primitives';
import { RunCheckpoint } from '../shared/run-checkpoint';

export const RunSuspendedV1 = defineMessage({
  kind: 'event',
  aggregate: 'run',
  name: 'suspended',
  version: 1,
  producer: 'worker',
  consumers: ['manager', 'gateway'],
  summary: 'A run stopped to wait for approval or budget; its worktree is checkpointed and its worker freed.',
  data: Type.Object({
    runId: Id('Run'),
    taskId: Id('Task'),
    projectId: Id('Project'),
    fencingToken: Type.Integer({ minimum: 1, description: 'Lease token' }),
    reason: SuspendReason,
    approvalId: Type.Optional(Id('awaiting_approval: the approval waited for')),
    checkpoint: RunCheckpoint,
    costUsd: Money('Spent so far'),
    suspendedAt: Timestamp('When the run suspended'),
  }),
});
export type RunSuspendedV1 = Static<typeof RunSuspendedV1.data>;
