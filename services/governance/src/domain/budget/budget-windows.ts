import {
  InvalidInstantError,
  InvalidTimeZoneError,
  addDays,
  assertInstant,
  assertTimeZone,
  formatLocalDate,
  isoWeek,
  localDateAt,
  startOfLocalDate,
  weekdayOf,
} from '@autopilot/kernel';
import {
  BudgetInvalidAmountError,
  BudgetInvalidInstantError,
  BudgetInvalidTimeZoneError,
} from './budget-errors';
import { MAX_CAP_MICROS, assertMicros, usdToMicros, type Micros } from './micro-usd';

/**
 * Which caps a reservation counts against. `run`, `daily`, `weekly` are the contracts' BudgetScope
 * (contracts/src/shared/budget.ts); the two global ones are the optional cap across every project.
 */
export const BudgetScope = {
  run: 'run',
  daily: 'daily',
  weekly: 'weekly',
  globalDaily: 'global_daily',
  globalWeekly: 'global_weekly',
} as const;
export type BudgetScope = (typeof BudgetScope)[keyof typeof BudgetScope];

/** A project's caps in micro-USD (the contracts' BudgetCaps `runUsd`/`dailyUsd`/`weeklyUsd`, converted). */
export interface ProjectCaps {
  readonly runMicros: Micros;
  readonly dailyMicros: Micros;
  readonly weeklyMicros: Micros;
}

/** The optional cap across every project, per calendar day and/or week in its own time zone. */
export interface GlobalCaps {
  readonly timeZone: string;
  readonly dailyMicros?: Micros;
  readonly weeklyMicros?: Micros;
}

/** What the ledger needs to know about a project to place a reservation. */
export interface ProjectBudget {
  readonly projectId: string;
  /** IANA zone the project's days and weeks are counted in. */
  readonly timeZone: string;
  readonly caps: ProjectCaps;
}

/**
 * One window a reservation is counted in: its key (the ledger row), its cap, and for calendar
 * windows when it opened and when it reopens (the instant a project paused only by this cap resumes).
 */
export interface BudgetWindow {
  readonly scope: BudgetScope;
  /** Stable and unique across scopes and projects, e.g. `daily/p1/2026-03-29`, `weekly/p1/2026-W13`. */
  readonly key: string;
  readonly capMicros: Micros;
  /** Epoch ms; absent for the run window. */
  readonly opensAt?: number;
  /** Epoch ms; absent for the run window. */
  readonly reopensAt?: number;
}

/** Caps in dollars (the contracts' BudgetCaps) to micro-USD: each finite, positive and sane. */
export function projectCapsFromUsd(caps: {
  runUsd: number;
  dailyUsd: number;
  weeklyUsd: number;
}): ProjectCaps {
  return {
    runMicros: positiveCap('caps.runUsd', usdToMicros(caps.runUsd, 'caps.runUsd', MAX_CAP_MICROS)),
    dailyMicros: positiveCap('caps.dailyUsd', usdToMicros(caps.dailyUsd, 'caps.dailyUsd', MAX_CAP_MICROS)),
    weeklyMicros: positiveCap(
      'caps.weeklyUsd',
      usdToMicros(caps.weeklyUsd, 'caps.weeklyUsd', MAX_CAP_MICROS),
    ),
  };
}

/** The calendar day of `at` in `timeZone`: key `YYYY-MM-DD`, its first instant and the next day's. */
export function dayWindowAt(
  timeZone: string,
  at: number,
): { readonly key: string; readonly opensAt: number; readonly reopensAt: number } {
  const today = localDateAt(assertBudgetTimeZone(timeZone), assertBudgetInstant('at', at));
  return {
    key: formatLocalDate(today),
    opensAt: startOfLocalDate(timeZone, today),
    reopensAt: startOfLocalDate(timeZone, addDays(today, 1)),
  };
}

/** The ISO week of `at` in `timeZone`: key `YYYY-Www`, its Monday's first instant and the next Monday's. */
export function weekWindowAt(
  timeZone: string,
  at: number,
): { readonly key: string; readonly opensAt: number; readonly reopensAt: number } {
  const today = localDateAt(assertBudgetTimeZone(timeZone), assertBudgetInstant('at', at));
  const monday = addDays(today, -((weekdayOf(today) + 6) % 7));
  const { weekYear, week } = isoWeek(today);
  return {
    key: `${weekYear}-W${String(week).padStart(2, '0')}`,
    opensAt: startOfLocalDate(timeZone, monday),
    reopensAt: startOfLocalDate(timeZone, addDays(monday, 7)),
  };
}

/**
 * Every window a call of `runId` at instant `at` counts against, in the order refusals are reported:
 * run, project day, project week, then the global day and week when those caps are set.
 */
export function budgetWindowsAt(input: {
  readonly project: ProjectBudget;
  readonly runId: string;
  readonly at: number;
  readonly global?: GlobalCaps;
  /** What people approved on top of the project's run cap for this run ("continue with $X more"). */
  readonly runExtraMicros?: Micros;
}): BudgetWindow[] {
  const { project, runId, global } = input;
  const runExtra = assertMicros(input.runExtraMicros ?? 0, 'runExtraMicros', MAX_CAP_MICROS);
  const at = assertBudgetInstant('at', input.at);
  const p = encodeURIComponent(project.projectId);
  const day = dayWindowAt(project.timeZone, at);
  const week = weekWindowAt(project.timeZone, at);
  const windows: BudgetWindow[] = [
    {
      scope: 'run',
      key: `run/${p}/${encodeURIComponent(runId)}`,
      capMicros: cap('caps.runMicros', project.caps.runMicros) + runExtra,
    },
    {
      scope: 'daily',
      key: `daily/${p}/${day.key}`,
      capMicros: cap('caps.dailyMicros', project.caps.dailyMicros),
      opensAt: day.opensAt,
      reopensAt: day.reopensAt,
    },
    {
      scope: 'weekly',
      key: `weekly/${p}/${week.key}`,
      capMicros: cap('caps.weeklyMicros', project.caps.weeklyMicros),
      opensAt: week.opensAt,
      reopensAt: week.reopensAt,
    },
  ];
  if (global?.dailyMicros !== undefined) {
    const g = dayWindowAt(global.timeZone, at);
    windows.push({
      scope: 'global_daily',
      key: `global_daily/${g.key}`,
      capMicros: cap('global.dailyMicros', global.dailyMicros),
      opensAt: g.opensAt,
      reopensAt: g.reopensAt,
    });
  }
  if (global?.weeklyMicros !== undefined) {
    const g = weekWindowAt(global.timeZone, at);
    windows.push({
      scope: 'global_weekly',
      key: `global_weekly/${g.key}`,
      capMicros: cap('global.weeklyMicros', global.weeklyMicros),
      opensAt: g.opensAt,
      reopensAt: g.reopensAt,
    });
  }
  return windows;
}

/**
 * Returns `timeZone` unchanged when Intl knows it.
 * @throws BudgetInvalidTimeZoneError (wrapping the kernel's `InvalidTimeZoneError`) otherwise.
 */
export function assertBudgetTimeZone(timeZone: unknown): string {
  try {
    return assertTimeZone(timeZone);
  } catch (e) {
    if (e instanceof InvalidTimeZoneError) throw new BudgetInvalidTimeZoneError(timeZone, { cause: e });
    throw e;
  }
}

/**
 * Returns `at` unchanged when it is a whole epoch-ms number in 1970-9999 (the kernel's calendar range).
 * @throws BudgetInvalidInstantError naming `field` otherwise.
 */
export function assertBudgetInstant(field: string, at: unknown): number {
  try {
    return assertInstant(field, at);
  } catch (e) {
    if (e instanceof InvalidInstantError) throw new BudgetInvalidInstantError(field, at, { cause: e });
    throw e;
  }
}

function cap(field: string, micros: Micros): Micros {
  return positiveCap(field, assertMicros(micros, field, MAX_CAP_MICROS));
}

function positiveCap(field: string, micros: Micros): Micros {
  if (micros === 0)
    throw new BudgetInvalidAmountError(field, micros, 'is not positive: a cap must allow some spend');
  return micros;
}
