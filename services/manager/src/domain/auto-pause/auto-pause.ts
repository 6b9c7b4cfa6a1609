import type { RunOutcome } from '@autopilot/contracts';

export const DEFAULT_CONFIDENCE_THRESHOLD = 0.8;
export const CONSECUTIVE_FAILURES_TO_PAUSE = 3;

/** A run the project finished, as auto-pause needs it. */
export interface FinishedRunFacts {
  readonly runId: string;
  readonly taskId: string;
  readonly outcome: RunOutcome;
  readonly confidence: number;
  readonly branch?: string;
  /** The loop guard's signature, for a failed run. */
  readonly signature?: string;
  /** Quality gates the run checked (tests, lint, diff size…), by name. */
  readonly gates?: readonly { readonly name: string; readonly passed: boolean }[];
}

export interface AutoPausePolicy {
  readonly confidenceThreshold?: number;
  /** Gate names whose failure pauses the project; `'*'` for every gate. Default: none. */
  readonly pauseOnFailedGates?: readonly string[];
}

export type AutoPauseRule = 'consecutive_failures' | 'low_confidence' | 'quality_gate';

export interface AutoPause {
  readonly rule: AutoPauseRule;
  /** For a person: what happened. */
  readonly reason: string;
  /** For a person: what would let the project go on. */
  readonly unblock: string;
}

/**
 * Whether the run that just finished should pause its project, and why. `history` is the
 * project's finished runs, oldest first, ending with `run`. Cancelled and rolled-back runs say
 * nothing about the work and neither break nor extend a streak of failures. Every rule that fires
 * is returned, the strongest first; none: keep going.
 */
export function decideAutoPause(
  run: FinishedRunFacts,
  history: readonly FinishedRunFacts[],
  policy: AutoPausePolicy = {},
): AutoPause[] {
  const pauses: AutoPause[] = [];
  const streak: FinishedRunFacts[] = [];
  for (const r of [...history].reverse()) {
    if (r.outcome === 'cancelled' || r.outcome === 'rolled_back') continue;
    if (r.outcome !== 'failed') break;
    streak.unshift(r);
  }
  if (run.outcome === 'failed' && streak.length >= CONSECUTIVE_FAILURES_TO_PAUSE) {
    const last = streak.slice(-CONSECUTIVE_FAILURES_TO_PAUSE);
    pauses.push({
      rule: 'consecutive_failures',
      reason:
        `${streak.length} runs in a row failed (${last.map((r) => `run ${r.runId} of task ${r.taskId}`).join(', ')})` +
        (run.signature ? `; last failure: ${run.signature}` : ''),
      unblock:
        'read the failures of these runs, fix their cause (the repository, the task specs or the policy), then resume the project',
    });
  }
  const gates = policy.pauseOnFailedGates ?? [];
  const failedGates = (run.gates ?? []).filter(
    (g) => !g.passed && (gates.includes('*') || gates.includes(g.name)),
  );
  if (failedGates.length > 0) {
    pauses.push({
      rule: 'quality_gate',
      reason: `run ${run.runId} of task ${run.taskId} failed the quality gate${failedGates.length > 1 ? 's' : ''} ${failedGates.map((g) => g.name).join(', ')}, which policy says pauses the project`,
      unblock: `fix what ${failedGates.map((g) => g.name).join(', ')} reports (or retry the task), then resume the project`,
    });
  }
  const threshold = policy.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD;
  if (run.outcome === 'succeeded' && run.confidence < threshold) {
    pauses.push({
      rule: 'low_confidence',
      reason: `run ${run.runId} of task ${run.taskId} finished with confidence ${run.confidence}, below the threshold ${threshold}`,
      unblock: `review ${run.branch ? `branch ${run.branch}` : `the work of run ${run.runId}`}; accept it or retry the task, then resume the project`,
    });
  }
  return pauses;
}
