import { defineSettings, setting } from '@autopilot/runtime';

/** What the manager's tick runs on. */
export interface ManagerSettings {
  /** How often the tick runs without an event asking for it (ms). */
  readonly tickMs: number;
  /** Runs in flight at once across every project. */
  readonly maxParallel: number;
}

export const DEFAULT_TICK_MS = 5_000;
export const DEFAULT_MAX_PARALLEL = 8;

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
  },
  (v): ManagerSettings => ({ tickMs: v.tickMs, maxParallel: v.maxParallel }),
);
