import type { AutopilotTickedV1 } from '@autopilot/contracts';
import type { TickPlan } from './tick-types';

/** What only the caller knows once the plan is carried out: ids it minted, what it reclaimed, counts. */
export interface TickOutcome {
  readonly seq: number;
  readonly durationMs: number;
  /** Run ids minted for `plan.dispatch`, in the same order. */
  readonly dispatchedRunIds: readonly string[];
  readonly expiredRunIds: readonly string[];
  readonly readyTasks: number;
  readonly runningRuns: number;
  readonly suspendedRuns: number;
}

/** The `autopilot.ticked` payload for a carried-out plan. */
export function tickedEvent(plan: TickPlan, outcome: TickOutcome): AutopilotTickedV1 {
  return {
    seq: outcome.seq,
    at: plan.at,
    durationMs: outcome.durationMs,
    dispatchedRunIds: [...outcome.dispatchedRunIds],
    expiredRunIds: [...outcome.expiredRunIds],
    readyTasks: outcome.readyTasks,
    runningRuns: outcome.runningRuns,
    suspendedRuns: outcome.suspendedRuns,
  };
}
