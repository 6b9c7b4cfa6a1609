import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BudgetRemaining, BudgetScope } from '../shared/budget';
import { Id, Money, Text } from '../shared/primitives';

const GovernanceReserveBudgetReply = Type.Object({
  granted: Type.Boolean({ description: 'True when the reservation was made' }),
  reservationId: Type.Optional(Id('granted: settle this reservation after the call')),
  reason: Type.Optional(Text(1000, 'Refused: why, e.g. the daily cap would be passed')),
  exceededScope: Type.Optional(BudgetScope),
  remaining: BudgetRemaining,
});

export const GovernanceReserveBudgetV1 = defineMessage({
  kind: 'request',
  service: 'governance',
  name: 'reserve_budget',
  version: 1,
  producer: 'worker',
  consumers: ['governance'],
  summary: "Reserve an LLM call's estimated cost; refused if it would pass the run, daily or weekly cap.",
  data: Type.Object({
    projectId: Id('Project'),
    runId: Id('Run the spend belongs to'),
    estimateUsd: Money('Estimated cost to reserve; the call settles its actual cost later'),
    purpose: Text(200, 'What the money is for, e.g. "llm_call gpt-4.1 step 12"'),
  }),
  reply: GovernanceReserveBudgetReply,
});
export type GovernanceReserveBudgetV1 = Static<typeof GovernanceReserveBudgetV1.data>;
export type GovernanceReserveBudgetV1Reply = Static<typeof GovernanceReserveBudgetReply>;
