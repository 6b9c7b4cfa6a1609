import type { BudgetCaps } from '@autopilot/contracts';
import { isoWeek, localDateAt, type LocalDate } from '@autopilot/kernel';
import type { StartReport } from './start-report';

/** What one run has spent, and when it last spent (when it ended, or its last step). */
export interface RunCost {
  readonly costUsd: number;
  readonly at: string;
}

/**
 * Spend against each budget as governance counts it: the day is the local date `date` in
 * `timeZone`, the week its ISO week (Monday to Sunday) there; the run figure is the most one run
 * of that day spent. Every run counts: retries, and runs still going or waiting for a person.
 */
export function spendOf(
  runs: Iterable<RunCost>,
  caps: BudgetCaps,
  date: LocalDate,
  timeZone: string,
): StartReport['spend'] {
  const day = dayKey(date);
  const week = weekKey(date);
  let daily = 0;
  let weekly = 0;
  let mostPerRun = 0;
  for (const run of runs) {
    const at = localDateAt(timeZone, Date.parse(run.at));
    if (weekKey(at) !== week) continue;
    weekly += run.costUsd;
    if (dayKey(at) !== day) continue;
    daily += run.costUsd;
    mostPerRun = Math.max(mostPerRun, run.costUsd);
  }
  return [
    { budget: 'run', spentUsd: mostPerRun, capUsd: caps.runUsd },
    { budget: 'daily', spentUsd: daily, capUsd: caps.dailyUsd },
    { budget: 'weekly', spentUsd: weekly, capUsd: caps.weeklyUsd },
  ];
}

/** `YYYY-MM-DD` as a local date. */
export function localDateOf(text: string): LocalDate {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

const dayKey = (d: LocalDate): string => `${d.year}-${d.month}-${d.day}`;
const weekKey = (d: LocalDate): string => {
  const w = isoWeek(d);
  return `${w.weekYear}-W${w.week}`;
};
