/**
 * What the `plan` command's definition (plan-command.ts, loaded for every command line) and its
 * action (plan-action.ts, loaded when `plan` runs) share: flags, defaults, exit codes and limits.
 */

/** `autopilot plan` gives up after this long unless `--timeout` says otherwise. */
export const DEFAULT_PLAN_TIMEOUT_S = 120;
/** The project the blueprint is planned in unless `--project` names one; ids derive from it. */
export const DEFAULT_PLAN_PROJECT = 'local';
/**
 * Exit code of a run whose input is not a plan (a README, prose, a lone code fence): the plan tree
 * is printed, a warning says why, and no task was made (issue 17 item 5).
 */
export const PLAN_EXIT_NOT_A_PLAN = 3;
/** Exit code after SIGINT (128 + 2, as shells report it). */
export const PLAN_EXIT_INTERRUPTED = 130;
/** The largest blueprint read, in UTF-8 bytes (ingestion's default limit); stdin included. */
export const PLAN_MAX_BYTES = 8 * 1024 * 1024;
/** Inputs past this size report their progress on stderr. */
export const PLAN_PROGRESS_BYTES = 256 * 1024;

export interface PlanFlags {
  repo?: string;
  json?: boolean;
  dir?: string;
  timeout: number;
  project: string;
  output?: string;
}
