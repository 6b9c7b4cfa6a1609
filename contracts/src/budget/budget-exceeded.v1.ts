import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BudgetScope } from '../shared/budget';
import { Id, Money, Timestamp } from '../shared/primitives';

export const BudgetExceededV1 = defineMessage({
  kind: 'event',
  aggregate: 'budget',
  name: 'exceeded',
  version: 1,
  producer: 'governance',
  consumers: ['manager', 'gateway'],
  summary:
    'A reservation was refused because it would pass a cap; the manager stops dispatching in that scope.',
  data: Type.Object({
    projectId: Id('Project'),
    runId: Type.Optional(Id('The run that asked')),
    scope: BudgetScope,
    capUsd: Money('The cap'),
    spentUsd: Money('Settled spend plus open reservations in the scope'),
    requestedUsd: Money('The refused reservation'),
    periodStart: Type.Optional(Timestamp('daily/weekly: start of the period the cap applies to')),
    // Optional since issue 14: when a paused project may run again by itself.
    reopensAt: Type.Optional(
      Timestamp("daily/weekly (project or global): when the next period opens, in the cap's time zone"),
    ),
    at: Timestamp('When it was refused'),
  }),
});
export type BudgetExceededV1 = Static<typeof BudgetExceededV1.data>;
