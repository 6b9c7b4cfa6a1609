import { Writable } from 'node:stream';
import type { ProgressSnapshot } from '../progress-view';

/** An output stream for a view under test: keeps what is written; a terminal when `columns` is given. */
export class CollectingOutput extends Writable {
  readonly isTTY: boolean;
  output = '';

  constructor(readonly columns?: number) {
    super({ decodeStrings: false });
    this.isTTY = columns !== undefined;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    this.output += String(chunk);
    done();
  }

  /** The complete lines written so far. */
  lines(): string[] {
    return this.output.split('\n').slice(0, -1);
  }
}

/** A start midway: 3 of 5 tasks done, one failed, one waiting for a person, t4 running its tests. */
export function sampleSnapshot(over: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    tasks: { total: 5, done: 3, failed: 1, waiting: 1 },
    running: [{ taskId: 't4', title: 'Add the login form', step: 'run_command npm test' }],
    spend: [
      { budget: 'run', spentUsd: 0.12, capUsd: 2 },
      { budget: 'daily', spentUsd: 0.4, capUsd: 10 },
    ],
    ...over,
  };
}
