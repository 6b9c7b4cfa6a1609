import type { AutonomyMode, RiskLevel, Schedule } from '@autopilot/contracts';

/** A project as the tick sees it. */
export interface TickProject {
  readonly id: string;
  readonly autonomyMode: AutonomyMode;
  readonly paused: boolean;
  readonly pauseReason?: string;
  readonly maxParallel: number;
  readonly schedule?: Schedule;
  /** Runs holding or about to hold a worker: queued (pending) and running; suspended runs do not count. */
  readonly inFlight: number;
}

/** A ready task (every dependency succeeded). */
export interface TickCandidate {
  readonly taskId: string;
  readonly projectId: string;
  /** Lower runs first; default 100 (the contract's default). */
  readonly priority?: number;
  /** Default `medium`: unknown risk is neither waved through nor last in line. */
  readonly risk?: RiskLevel;
  /** Learned difficulty, 0 (easy) to 1 (hard); default 0.5. Easier first among equals. */
  readonly difficulty?: number;
  /** A retry waiting for its backoff: not before this instant (ms). */
  readonly notBefore?: number;
  /** A person already approved running it (semi_auto then dispatches it like a low-risk task). */
  readonly approved?: boolean;
}

export interface TickInput {
  readonly now: number;
  readonly globalMaxParallel: number;
  readonly projects: readonly TickProject[];
  readonly ready: readonly TickCandidate[];
}

export type TickAction = 'dispatch' | 'request_approval' | 'suggest' | 'hold';

export interface TickDecision {
  readonly taskId: string;
  readonly projectId: string;
  readonly action: TickAction;
  readonly reason: string;
}

export interface TickPlan {
  readonly at: string;
  /** One per ready task, in scheduling order. */
  readonly decisions: TickDecision[];
  /** Task ids, in order, by what to do with them. */
  readonly dispatch: string[];
  readonly requestApproval: string[];
  readonly suggest: string[];
  /** Whether the tick changes any state: dispatches or approval requests. */
  readonly changesState: boolean;
}
