/** The caps every tool answer keeps to, so one call cannot flood the model's context or stall the worker. */
export interface ToolLimits {
  /** view_file refuses files bigger than this. */
  readonly viewMaxFileBytes: number;
  /** view_file cuts longer lines, saying how much was cut. */
  readonly viewMaxLineChars: number;
  /** list_files shows at most this many entries (files or summarized directories). */
  readonly listMaxEntries: number;
  /** search shows at most this many matching lines; the total is still counted. */
  readonly searchMaxResults: number;
  /** search skips files bigger than this (and says how many it skipped). */
  readonly searchMaxFileBytes: number;
  /** search cuts matching lines to this many characters. */
  readonly searchMaxLineChars: number;
  /** A search whose regular expression runs longer than this is stopped (catastrophic backtracking). */
  readonly searchTimeoutMs: number;
  /** Edits refuse files bigger than this. */
  readonly editMaxFileBytes: number;
  /** run_command without timeout_s. */
  readonly commandDefaultTimeoutS: number;
  /** run_command's timeout_s is lowered to this. */
  readonly commandMaxTimeoutS: number;
  /** Bytes kept of a command's stdout and of its stderr each. */
  readonly commandOutputCapBytes: number;
  /** Timeout of each git call the tools make (ls-files, apply). */
  readonly gitTimeoutMs: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLimits = {
  viewMaxFileBytes: 5 * 1024 * 1024,
  viewMaxLineChars: 2000,
  listMaxEntries: 500,
  searchMaxResults: 100,
  searchMaxFileBytes: 1024 * 1024,
  searchMaxLineChars: 300,
  searchTimeoutMs: 5000,
  editMaxFileBytes: 5 * 1024 * 1024,
  commandDefaultTimeoutS: 300,
  commandMaxTimeoutS: 1800,
  commandOutputCapBytes: 64 * 1024,
  gitTimeoutMs: 60_000,
};
