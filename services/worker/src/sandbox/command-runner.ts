/**
 * The port every command of a run goes through (tool `run_command`, the quality gate's build and
 * test commands, bootstrap install steps). Governance has already allowed the argv; the runner only
 * executes it, contained: argv only (never a shell), a timeout, an output cap, a scrubbed
 * environment, and bubblewrap where it works.
 */
export interface CommandRequest {
  /** Program and arguments; never a shell string. */
  readonly argv: readonly string[];
  /** Absolute working directory inside the run's worktree. */
  readonly cwd: string;
  /** The worktree root: the only writable directory (besides a private temp dir). */
  readonly worktree: string;
  readonly timeoutMs: number;
  /** Network is off unless policy allows it (install steps). */
  readonly network: boolean;
  /** Extra variables on top of the scrubbed environment (never secrets). */
  readonly env?: Readonly<Record<string, string>>;
  /** Bytes kept of stdout and of stderr each; the rest is dropped and `truncated` set. */
  readonly outputCapBytes?: number;
}

export type CommandIsolation = 'bwrap' | 'none';

export interface CommandResult {
  /** Null when the process was killed by a signal (a timeout, say). */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly durationMs: number;
  /** How the command was contained; `none` carries the reason in `isolationNote`. */
  readonly isolation: CommandIsolation;
  readonly isolationNote?: string;
}

export interface CommandRunner {
  run(request: CommandRequest): Promise<CommandResult>;
}
