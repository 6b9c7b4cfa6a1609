import { Type, type Static } from '@sinclair/typebox';
import { Money } from './primitives';
import { StringEnum } from './string-enum';

/**
 * The hard caps of DESIGN.md section 6: a reservation is refused if it would pass any of them. The
 * project's run, daily and weekly caps, and the optional global daily and weekly caps across every
 * project (configured on governance).
 */
export const BUDGET_SCOPES = ['run', 'daily', 'weekly', 'global_daily', 'global_weekly'] as const;
export const BudgetScope = StringEnum(BUDGET_SCOPES, {
  description:
    "Which cap: per run, per project day or week (in the project's time zone), or the global day or week across every project",
});
export type BudgetScope = Static<typeof BudgetScope>;

/** A project's caps. */
export const BudgetCaps = Type.Object(
  {
    runUsd: Money('Most one run may spend'),
    dailyUsd: Money("Most the project may spend per day (in its schedule's time zone, else UTC)"),
    weeklyUsd: Money('Most the project may spend per week (same time zone; weeks start Monday)'),
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
