import type { TaskSpec } from '@autopilot/contracts';

/** What the work still to do may cost, as a range, before any of it starts. */
export interface CostRange {
  readonly lowUsd: number;
  readonly highUsd: number;
  /** Tasks counted (the ones not done yet). */
  readonly tasks: number;
}

/**
 * How far a planner estimate may be off either way. The planner's figure comes from the size of the
 * work (words, scope, checks), not from a model's price: runs on a cheap model land below it, a
 * run that needs the strong model or a second attempt above it.
 */
const LOW_FACTOR = 0.5;
const HIGH_FACTOR = 2;

/**
 * The range of what `tasks` may cost: each task's planner estimate from half to twice, the high end
 * never above the run cap (a run cannot spend past it without a person's approval). A task without
 * an estimate counts from nothing to the run cap.
 */
export function estimateCostRange(
  tasks: readonly Pick<TaskSpec, 'estimateUsd'>[],
  runCapUsd: number,
): CostRange {
  let lowUsd = 0;
  let highUsd = 0;
  for (const t of tasks) {
    if (t.estimateUsd === undefined) {
      highUsd += runCapUsd;
      continue;
    }
    lowUsd += Math.min(t.estimateUsd * LOW_FACTOR, runCapUsd);
    highUsd += Math.min(t.estimateUsd * HIGH_FACTOR, runCapUsd);
  }
  const cents = (n: number) => Math.round(n * 100) / 100;
  return { lowUsd: cents(lowUsd), highUsd: cents(highUsd), tasks: tasks.length };
}
