import type { ProgressOutput, ProgressSnapshot, ProgressView } from './progress-view';

/** How a line view writes: the plain form for logs, or JSON lines for programs. */
export interface LineFormat {
  /** Equal keys: nothing worth a new line changed. */
  progressKeyOf(snapshot: ProgressSnapshot): string;
  progressLineOf(snapshot: ProgressSnapshot): string;
  noteLinesOf(text: string): string[];
}

/**
 * Progress as lines appended to output that is not a terminal (or is wanted as JSON): one line
 * per change a person or program would care about, never the same one twice in a row.
 */
export class LineProgressView implements ProgressView {
  private lastKey: string | undefined;
  private stopped = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly format: LineFormat,
  ) {}

  update(snapshot: ProgressSnapshot): void {
    if (this.stopped) return;
    const key = this.format.progressKeyOf(snapshot);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.out.write(`${this.format.progressLineOf(snapshot)}\n`);
  }

  say(line: string): void {
    for (const l of this.format.noteLinesOf(line)) this.out.write(`${l}\n`);
  }

  // Nothing redraws here, so there is nothing to hold while a question is asked.
  pause(): void {}
  resume(): void {}

  stop(): void {
    this.stopped = true;
  }
}
