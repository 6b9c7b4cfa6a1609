import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BudgetRemaining } from '../shared/budget';
import { Count, Id, Money } from '../shared/primitives';

const GovernanceSettleBudgetReply = Type.Object({
  settled: Type.Boolean({
    description: 'True when recorded; also true for a repeat of an already settled reservation (idempotent)',
  }),
  releasedUsd: Money('Reserved but not spent, returned to the budgets'),
  overrunUsd: Money('Spent beyond the reservation, charged anyway (the call already happened)'),
  remaining: BudgetRemaining,
});

export const GovernanceSettleBudgetV1 = defineMessage({
  kind: 'request',
  service: 'governance',
  name: 'settle_budget',
  version: 1,
  producer: 'worker',
  consumers: ['governance'],
  summary: 'Settle a reservation with the actual cost, releasing what was not spent.',
  data: Type.Object({
    projectId: Id('Project'),
    runId: Id('Run'),
    reservationId: Id('Reservation from governance.reserve_budget'),
    actualUsd: Money('What the call actually cost'),
    usage: Type.Optional(
      Type.Object(
        {
          inputTokens: Count('Prompt tokens the provider reported, cached ones included'),
          cachedInputTokens: Count('The part of inputTokens served from the provider cache'),
          outputTokens: Count('Output tokens the provider reported'),
        },
        {
          description:
            "The provider's reported usage: for a reservation made with a model, governance prices it and charges the larger of that and actualUsd",
        },
      ),
    ),
  }),
  reply: GovernanceSettleBudgetReply,
});
export type GovernanceSettleBudgetV1 = Static<typeof GovernanceSettleBudgetV1.data>;
export type GovernanceSettleBudgetV1Reply = Static<typeof GovernanceSettleBudgetReply>;
