import { describe, expect, it } from '@jest/globals';
import { MAX_RUNNING_LINES, progressLinesOf, type ProgressLine } from './progress-lines';

const textsWhileRunning = (count: number): string[] =>
  progressLinesOf({
    tasks: { total: 20, done: 0, failed: 0, waiting: 0 },
    running: Array.from({ length: count }, (_, i) => ({ taskId: `t${i}`, title: `Task ${i}` })),
    spend: [],
  }).flatMap((l: ProgressLine) => (l.kind === 'text' ? [l.text] : []));

describe('progressLinesOf', () => {
  it('shows every running task while they fit', () => {
    const texts = textsWhileRunning(MAX_RUNNING_LINES);
    expect(texts).toHaveLength(MAX_RUNNING_LINES);
    expect(texts.at(-1)).toBe(`  ▸ t${MAX_RUNNING_LINES - 1} Task ${MAX_RUNNING_LINES - 1}`);
  });

  it('sums up the running tasks beyond what fits a small terminal in one line', () => {
    const texts = textsWhileRunning(MAX_RUNNING_LINES + 3);
    expect(texts).toHaveLength(MAX_RUNNING_LINES);
    expect(texts[0]).toBe('  ▸ t0 Task 0');
    expect(texts.at(-1)).toBe('  … and 4 more running');
  });
});
