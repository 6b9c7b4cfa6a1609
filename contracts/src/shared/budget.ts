import { Type, type Static } from '@sinclair/typebox';
import { Money } from './primitives';
import { StringEnum } from './string-enum';

/** The three hard caps of DESIGN.md section 6: a reservation is refused if it would pass any of them. */
export const BUDGET_SCOPES = ['run', 'daily', 'weekly'] as const;
export const BudgetScope = StringEnum(BUDGET_SCOPES, {
  description: 'Which cap: per run, per day or per week',
});
export type BudgetScope = Static<typeof BudgetScope>;

/** A project's caps. */
export const BudgetCaps = Type.Object(
  {
    runUsd: Money('Most one run may spend'),
    dailyUsd: Money('Most the project may spend per day (UTC)'),
    weeklyUsd: Money('Most the project may spend per week (UTC, weeks start Monday)'),
  },
  { description: 'Hard spending caps' },
);
export type BudgetCaps = Static<typeof BudgetCaps>;

/** What is left under each cap, after settled spend and open reservations. */
export const BudgetRemaining = Type.Object(
  {
    run: Money('Left under the run cap'),
    daily: Money("Left under today's cap"),
    weekly: Money("Left under this week's cap"),
  },
  { description: 'Headroom per scope, open reservations counted as spent' },
);
export type BudgetRemaining = Static<typeof BudgetRemaining>;
