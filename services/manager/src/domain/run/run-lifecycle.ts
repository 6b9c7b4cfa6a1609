import type { RunStatus } from '@autopilot/contracts';
import { IllegalRunTransitionError } from './run-errors';

/**
 * The run lifecycle of DESIGN.md section 5 as a table.
 *
 * - `running → pending`: the lease expired; the run is requeued under a new fencing token.
 * - `suspended → pending`: approved, or budget granted; a later dispatch resumes from the checkpoint.
 * - `pending → failed`: the run never started in time (max run time) or was refused at dispatch.
 * - `rolled_back` ends a run whose work was undone (from running, or a suspended run given up).
 * Every outcome (`succeeded`, `failed`, `cancelled`, `rolled_back`) is final: a retry is a new run.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  pending: ['running', 'failed', 'cancelled'],
  running: ['pending', 'suspended', 'succeeded', 'failed', 'cancelled', 'rolled_back'],
  suspended: ['pending', 'failed', 'cancelled', 'rolled_back'],
  succeeded: [],
  failed: [],
  cancelled: [],
  rolled_back: [],
};

export interface RunRef {
  readonly id: string;
  readonly status: RunStatus;
}

export const canTransitionRun = (run: RunRef, to: RunStatus): boolean =>
  RUN_TRANSITIONS[run.status].includes(to);

/**
 * Checks one move of the run lifecycle and returns the new status.
 * @throws IllegalRunTransitionError naming the run, from and to.
 */
export function transitionRun(run: RunRef, to: RunStatus): RunStatus {
  if (!canTransitionRun(run, to)) throw new IllegalRunTransitionError(run.id, run.status, to);
  return to;
}

export const isFinalRun = (status: RunStatus): boolean => RUN_TRANSITIONS[status].length === 0;
