/** How the process ends, for scripts and process managers. */
export const ExitCode = {
  /** Stopped cleanly, or `--help`/`--version`. */
  ok: 0,
  /** Failed while running: a start-up failure, a forced or failed shutdown. */
  failed: 1,
  /** Never started: unknown command, service or flag, a bad flag value, invalid configuration. */
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
