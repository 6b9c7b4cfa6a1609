/**
 * What a start shows while it runs: the figures (a snapshot the caller builds from its state, as
 * often as it likes) and the view that renders them for a terminal, a log or a program.
 */
export interface ProgressSnapshot {
  readonly tasks: {
    readonly total: number;
    readonly done: number;
    readonly failed: number;
    /** Tasks that wait for a person: an approval, a budget. */
    readonly waiting: number;
  };
  /** Task ids, titles and steps come from documents and models: views make them inert. */
  readonly running: readonly RunningTask[];
  readonly spend: readonly BudgetSpend[];
}

export interface RunningTask {
  readonly taskId: string;
  readonly title: string;
  /** What the run is doing now, e.g. `run_command npm test`. */
  readonly step?: string;
}

export interface BudgetSpend {
  readonly budget: 'run' | 'daily' | 'weekly';
  readonly spentUsd: number;
  readonly capUsd: number;
}

export interface ProgressView {
  /** Cheap and safe to call often (every event, every 200 ms): a snapshot that changes nothing a person sees is dropped. */
  update(snapshot: ProgressSnapshot): void;
  /** A line for the person (a note, an approval's lead-in), printed above the bars; made inert. */
  say(line: string): void;
  /**
   * Before reading from the terminal (an approval question): the bars are finished where they
   * are and nothing redraws until `resume()`. Only a terminal view redraws; the others ignore it.
   */
  pause(): void;
  /** Live bars again, below whatever was written while paused, showing the latest snapshot. */
  resume(): void;
  /** The bars finished and the cursor shown; idempotent. Later `say` lines are still printed. */
  stop(): void;
}

/** Where a view writes: a terminal has `isTTY` and, usually, `columns`. */
export type ProgressOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
