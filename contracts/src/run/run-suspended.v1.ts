import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BudgetScope } from '../shared/budget';
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
    // Since issue 14: what an awaiting_budget run ran into, so the manager can ask a person to
    // continue a run past its own cap, or wait for a day or week to reopen.
    exceededScope: Type.Optional(BudgetScope),
    requestedUsd: Type.Optional(Money('awaiting_budget: the reservation that was refused')),
    budgetReopensAt: Type.Optional(
      Timestamp(
        "awaiting_budget at a day's or week's cap: when its window reopens (from governance's refusal)",
      ),
    ),
    suspendedAt: Timestamp('When the run suspended'),
  }),
});
export type RunSuspendedV1 = Static<typeof RunSuspendedV1.data>;
