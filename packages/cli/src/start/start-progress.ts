import type { BudgetCaps } from '@autopilot/contracts';
import type { ProgressSnapshot } from '../progress/progress-view';
import type { LiveRuns } from './start-job';
import type { StartState } from './start-read-model';

const FAILED = new Set(['failed', 'cancelled']);
const IN_FLIGHT = new Set(['queued', 'running']);

/**
 * The figures the progress view shows: tasks done, failed and waiting of all; the runs in flight
 * with their last step; what was spent against each budget (finished runs' costs, and the steps of
 * runs still going).
 */
export function progressSnapshotOf(state: StartState, live: LiveRuns, budgets: BudgetCaps): ProgressSnapshot {
  const tasks = [...state.tasks.values()];
  const byRun = new Map<string, number>();
  for (const [runId, spent] of live.spentByRun) byRun.set(runId, spent.usd);
  for (const f of state.finished.values()) byRun.set(f.runId, Math.max(f.costUsd, byRun.get(f.runId) ?? 0));
  const costs = [...byRun.values()];
  const total = costs.reduce((n, c) => n + c, 0);
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
    spend: [
      { budget: 'run', spentUsd: Math.max(0, ...costs), capUsd: budgets.runUsd },
      { budget: 'daily', spentUsd: total, capUsd: budgets.dailyUsd },
      { budget: 'weekly', spentUsd: total, capUsd: budgets.weeklyUsd },
    ],
  };
}
