import type { AutonomyMode } from '@autopilot/contracts';

/**
 * The flags of `autopilot start` and `autopilot demo`, as commander parses them: shared by the
 * commands' definitions (start-command.ts, loaded for every command line) and their actions
 * (start-action.ts, loaded when one of them runs).
 */
export interface StartFlags {
  repo: string;
  autonomy: AutonomyMode;
  runBudget: number;
  dailyBudget: number;
  weeklyBudget: number;
  maxParallel: number;
  schedule?: string;
  tz?: string;
  dir: string;
  yes?: boolean;
  json?: boolean;
}

export interface DemoFlags {
  dir: string;
  json?: boolean;
}
