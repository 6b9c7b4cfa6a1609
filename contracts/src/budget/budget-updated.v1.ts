import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BudgetCaps, BudgetScope } from '../shared/budget';
import { Id, Money, Revision, Timestamp } from '../shared/primitives';

const spendProperties = {
  spentUsd: Money('Settled spend'),
  reservedUsd: Money('Open reservations, counted against the cap until settled'),
};

/** Spend in one period of one scope. */
export const BudgetPeriod = Type.Object(
  {
    periodStart: Timestamp("Start of the period (midnight in the project's time zone; Monday for weeks)"),
    ...spendProperties,
  },
  { description: 'Spend in the current period' },
);
export type BudgetPeriod = Static<typeof BudgetPeriod>;

export const BudgetUpdatedV1 = defineMessage({
  kind: 'event',
  aggregate: 'budget',
  name: 'updated',
  version: 1,
  producer: 'governance',
  consumers: ['gateway'],
  summary:
    "A project's budget ledger changed (reservation, settlement or new caps); carries the whole ledger state.",
  data: Type.Object({
    projectId: Id('Project'),
    caps: BudgetCaps,
    daily: BudgetPeriod,
    weekly: BudgetPeriod,
    run: Type.Optional(
      Type.Object(
        {
          runId: Id('The run whose spend changed'),
          ...spendProperties,
        },
        { description: 'The run this change concerns' },
      ),
    ),
    warning: Type.Optional(
      Type.Object(
        {
          scope: BudgetScope,
          capUsd: Money('The cap'),
          spentUsd: Money('Settled spend in the scope, at least 80 % of the cap'),
        },
        { description: 'Settled spend just reached 80 % of this cap (signalled once per period)' },
      ),
    ),
    updatedAt: Timestamp('When this state was reached'),
    revision: Revision(),
  }),
});
export type BudgetUpdatedV1 = Static<typeof BudgetUpdatedV1.data>;
