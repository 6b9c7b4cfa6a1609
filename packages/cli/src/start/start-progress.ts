import type { BudgetCaps } from '@autopilot/contracts';
import { localDateAt } from '@autopilot/kernel';
import type { ProgressSnapshot } from '../progress/progress-view';
import { localDateOf, spendOf } from './start-spend';
import type { LiveRuns } from './start-job';
import type { StartState } from './start-read-model';

const FAILED = new Set(['failed', 'cancelled']);
const IN_FLIGHT = new Set(['queued', 'running']);

/**
 * The figures the progress view shows: tasks done, failed and waiting of all; the runs in flight
 * with their last step; what was spent against each budget.
 */
export function progressSnapshotOf(state: StartState, live: LiveRuns, budgets: BudgetCaps): ProgressSnapshot {
  const tasks = [...state.tasks.values()];
  return {
    tasks: {
      total: tasks.length,
      done: tasks.filter((t) => t.status === 'succeeded').length,
      failed: tasks.filter((t) => FAILED.has(t.status)).length,
      waiting: tasks.filter((t) => t.status === 'awaiting_approval').length,
    },
    running: tasks
      .filter((t) => IN_FLIGHT.has(t.status))
      .map((t) => {
        const step = live.lastStep.get(t.id);
        return { taskId: t.id, title: t.title, ...(step !== undefined ? { step } : {}) };
      }),
    spend: spendNow(state, budgets),
  };
}

/** Today's and this week's spend in the project's time zone (as governance counts them), every run included. */
export function spendNow(state: StartState, budgets: BudgetCaps, date?: string): ProgressSnapshot['spend'] {
  const timeZone = state.project?.schedule?.timezone ?? 'UTC';
  return spendOf(
    [...state.runs.values()].map((r) => ({ costUsd: r.costUsd, at: r.finishedAt ?? r.updatedAt })),
    budgets,
    date !== undefined ? localDateOf(date) : localDateAt(timeZone, Date.now()),
    timeZone,
  );
}
