import { defineSettings, setting } from '@autopilot/runtime';

/** What the manager's tick and run lifecycle run on. */
export interface ManagerSettings {
  /** How often the tick runs without an event asking for it (ms). */
  readonly tickMs: number;
  /** Runs in flight at once across every project. */
  readonly maxParallel: number;
  /** How long a run's lease lasts from dispatch, `run.started` or its last `step.recorded` (ms). */
  readonly runLeaseMs: number;
  /** Longest a run may take from its start (its dispatch, until a worker starts it) before it fails (ms). */
  readonly maxRunMs: number;
  /** A run that succeeds with a confidence below this (0 to 1) pauses its project. */
  readonly confidenceThreshold: number;
  /** Quality-gate checks whose failure pauses the project (`*`: any); none by default. */
  readonly pauseOnFailedGates: readonly string[];
  /**
   * Each project's runs in flight are requeued at once, at the first tick in which the project may
   * run work, instead of after their leases: set where the workers live and die with this process
   * (the embedded topology of `autopilot start`), so a run the last process left behind resumes
   * from its checkpoint as soon as the next one may run it.
   */
  readonly reclaimRunsAtStart: boolean;
}

export const DEFAULT_TICK_MS = 5_000;
export const DEFAULT_MAX_PARALLEL = 8;
export const DEFAULT_RUN_LEASE_MS = 10 * 60_000;
export const DEFAULT_MAX_RUN_MS = 4 * 3_600_000;
export const DEFAULT_MIN_CONFIDENCE_PERCENT = 80;

/** The manager's settings, read and validated by the runtime at start. */
export const managerSettings = defineSettings(
  {
    tickMs: setting.wholeNumber({
      env: 'AUTOPILOT_MANAGER_TICK_MS',
      description: 'how often the autopilot tick runs besides the events that trigger it',
      fallback: DEFAULT_TICK_MS,
      min: 100,
      max: 3_600_000,
    }),
    maxParallel: setting.wholeNumber({
      env: 'AUTOPILOT_MANAGER_MAX_PARALLEL',
      description: "runs in flight at once across every project (each project's own limit applies too)",
      fallback: DEFAULT_MAX_PARALLEL,
      min: 1,
      max: 10_000,
    }),
    runLeaseMs: setting.wholeNumber({
      env: 'AUTOPILOT_MANAGER_RUN_LEASE_MS',
      description:
        'how long a run holds its worker lease from dispatch, run.started or its last step.recorded; a lapsed lease requeues the run under a new fencing token',
      fallback: DEFAULT_RUN_LEASE_MS,
      min: 1_000,
      max: 86_400_000,
    }),
    maxRunMs: setting.wholeNumber({
      env: 'AUTOPILOT_MANAGER_MAX_RUN_MS',
      description: 'longest a run may take from its start before it is failed',
      fallback: DEFAULT_MAX_RUN_MS,
      min: 1_000,
      max: 7 * 86_400_000,
    }),
    minConfidencePercent: setting.wholeNumber({
      env: 'AUTOPILOT_MANAGER_MIN_CONFIDENCE_PERCENT',
      description:
        "a run that succeeds with the worker's confidence below this percentage pauses its project",
      fallback: DEFAULT_MIN_CONFIDENCE_PERCENT,
      min: 0,
      max: 100,
    }),
    reclaimRunsAtStart: setting.flag({
      env: 'AUTOPILOT_MANAGER_RECLAIM_RUNS_AT_START',
      description:
        "true where the workers share the manager's process (autopilot start): runs left in flight are requeued as soon as their project may run, not after their lease",
      fallback: false,
    }),
    pauseOnFailedGates: setting.text({
      env: 'AUTOPILOT_MANAGER_PAUSE_ON_FAILED_GATES',
      description:
        'comma-separated quality-gate checks (changes, tests, scope, protected_paths, diff_size, conflict_markers) whose failure pauses the project, or * for any',
      defaultText: 'none',
    }),
  },
  (v): ManagerSettings => ({
    tickMs: v.tickMs,
    maxParallel: v.maxParallel,
    runLeaseMs: v.runLeaseMs,
    maxRunMs: v.maxRunMs,
    confidenceThreshold: v.minConfidencePercent / 100,
    pauseOnFailedGates: (v.pauseOnFailedGates ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0),
    reclaimRunsAtStart: v.reclaimRunsAtStart,
  }),
);

/** Every setting at its default, for tests that set a few. */
export const DEFAULT_MANAGER_SETTINGS: ManagerSettings = {
  tickMs: DEFAULT_TICK_MS,
  maxParallel: DEFAULT_MAX_PARALLEL,
  runLeaseMs: DEFAULT_RUN_LEASE_MS,
  maxRunMs: DEFAULT_MAX_RUN_MS,
  confidenceThreshold: DEFAULT_MIN_CONFIDENCE_PERCENT / 100,
  pauseOnFailedGates: [],
  reclaimRunsAtStart: false,
};
