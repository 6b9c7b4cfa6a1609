import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BudgetRemaining, BudgetScope } from '../shared/budget';
import { Count, Id, Money, Text, Timestamp } from '../shared/primitives';

const GovernanceReserveBudgetReply = Type.Object({
  granted: Type.Boolean({ description: 'True when the reservation was made' }),
  reservationId: Type.Optional(Id('granted: settle this reservation after the call')),
  reason: Type.Optional(Text(1000, 'Refused: why, e.g. the daily cap would be passed')),
  exceededScope: Type.Optional(BudgetScope),
  // Since issue 14: a run suspended for a day's or week's cap knows when it may go on.
  reopensAt: Type.Optional(Timestamp('Refused at a calendar cap: when its window reopens')),
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
    reservationId: Type.Optional(
      Id('Chosen by the caller so that a retried request reserves once; default the request envelope id'),
    ),
    model: Type.Optional(
      Text(
        200,
        'The model to be called: governance then reserves the worst case at its price-table price (the larger of that and estimateUsd); a model missing from the table is refused',
      ),
    ),
    inputTokens: Type.Optional(Count('With model: estimated prompt tokens, cached ones included')),
    cachedInputTokens: Type.Optional(
      Count('With model: the part of inputTokens expected from the provider cache (default 0)'),
    ),
    maxTokens: Type.Optional(Count("With model: the call's max_tokens, the most output it can be billed")),
  }),
  reply: GovernanceReserveBudgetReply,
});
export type GovernanceReserveBudgetV1 = Static<typeof GovernanceReserveBudgetV1.data>;
export type GovernanceReserveBudgetV1Reply = Static<typeof GovernanceReserveBudgetReply>;
