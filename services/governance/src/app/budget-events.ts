import type { BudgetExceededV1, BudgetUpdatedV1, BudgetRemaining } from '@autopilot/contracts';
import type { BudgetScope, GlobalCaps } from '../domain/budget/budget-windows';
import { dayWindowAt, weekWindowAt } from '../domain/budget/budget-windows';
import type { BudgetAlert, WindowStanding } from '../domain/budget/budget-ledger';
import { microsToUsd } from '../domain/budget/micro-usd';
import type { ProjectBudgetRecord } from './ports';

/**
 * The budget events' payloads and the replies' `remaining`, from the ledger's window standings.
 * Money leaves the domain's micro-USD here, once, with microsToUsd.
 */

/** The calendar window of `scope` that counted an amount at `at`; none for a run. */
function calendarWindowOf(
  scope: BudgetScope,
  project: Pick<ProjectBudgetRecord, 'timeZone'>,
  global: GlobalCaps | undefined,
  at: number,
): { opensAt: number; reopensAt: number } | undefined {
  switch (scope) {
    case 'run':
      return undefined;
    case 'daily':
      return dayWindowAt(project.timeZone, at);
    case 'weekly':
      return weekWindowAt(project.timeZone, at);
    case 'global_daily':
      return dayWindowAt(global?.timeZone ?? 'UTC', at);
    case 'global_weekly':
      return weekWindowAt(global?.timeZone ?? 'UTC', at);
    default: {
      const unknown: never = scope;
      throw new Error(`budget scope ${String(unknown)}`);
    }
  }
}

/** When the period of a calendar window that counted an amount at `at` opened, ISO-8601. */
export function periodStartOf(
  scope: BudgetScope,
  project: Pick<ProjectBudgetRecord, 'timeZone'>,
  global: GlobalCaps | undefined,
  at: number,
): string | undefined {
  const window = calendarWindowOf(scope, project, global, at);
  return window && new Date(window.opensAt).toISOString();
}

/** When the next period of a calendar window that counted an amount at `at` opens, ISO-8601 (none for a run). */
export function reopensAtOf(
  scope: BudgetScope,
  project: Pick<ProjectBudgetRecord, 'timeZone'>,
  global: GlobalCaps | undefined,
  at: number,
): string | undefined {
  const window = calendarWindowOf(scope, project, global, at);
  return window && new Date(window.reopensAt).toISOString();
}

/** Headroom of the run, daily and weekly windows among `windows` (0 where a window is missing). */
export function remainingOf(windows: readonly WindowStanding[]): BudgetRemaining {
  const left = (scope: BudgetScope) =>
    microsToUsd(windows.find((w) => w.scope === scope)?.remainingMicros ?? 0);
  return { run: left('run'), daily: left('daily'), weekly: left('weekly') };
}

/** `budget.exceeded` for a window whose cap a reservation (or a settlement) reached. */
export function budgetExceededOf(input: {
  readonly projectId: string;
  readonly runId: string;
  readonly window: WindowStanding;
  readonly requestedMicros: number;
  readonly periodStart: string | undefined;
  readonly reopensAt: string | undefined;
  readonly at: number;
}): BudgetExceededV1 {
  const { window } = input;
  return {
    projectId: input.projectId,
    runId: input.runId,
    scope: window.scope,
    capUsd: microsToUsd(window.capMicros),
    spentUsd: microsToUsd(window.heldMicros + window.spentMicros),
    requestedUsd: microsToUsd(input.requestedMicros),
    ...(input.periodStart !== undefined ? { periodStart: input.periodStart } : {}),
    ...(input.reopensAt !== undefined ? { reopensAt: input.reopensAt } : {}),
    at: new Date(input.at).toISOString(),
  };
}

/** `budget.updated`: the project's day, week and run after a change, with a warning when one was reached. */
export function budgetUpdatedOf(input: {
  readonly project: ProjectBudgetRecord;
  readonly runId: string;
  /** Standings of the reservation's windows after the change. */
  readonly windows: readonly WindowStanding[];
  /** When the windows' amounts were counted (the reservation's instant). */
  readonly countedAt: number;
  readonly warning?: BudgetAlert;
  readonly revision: number;
  readonly at: number;
}): BudgetUpdatedV1 {
  const { project, windows } = input;
  const of = (scope: BudgetScope) => windows.find((w) => w.scope === scope);
  const spend = (w: WindowStanding | undefined) => ({
    spentUsd: microsToUsd(w?.spentMicros ?? 0),
    reservedUsd: microsToUsd(w?.heldMicros ?? 0),
  });
  const period = (scope: 'daily' | 'weekly') => ({
    periodStart: periodStartOf(scope, project, undefined, input.countedAt) as string,
    ...spend(of(scope)),
  });
  return {
    projectId: project.projectId,
    caps: project.caps,
    daily: period('daily'),
    weekly: period('weekly'),
    run: { runId: input.runId, ...spend(of('run')) },
    ...(input.warning
      ? {
          warning: {
            scope: input.warning.scope,
            capUsd: microsToUsd(input.warning.capMicros),
            spentUsd: microsToUsd(input.warning.spentMicros),
          },
        }
      : {}),
    updatedAt: new Date(input.at).toISOString(),
    revision: input.revision,
  };
}
