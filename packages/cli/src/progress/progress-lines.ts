import { inertLine, usd } from './inert-line';
import type { ProgressSnapshot } from './progress-view';

/** One line of the live terminal view: a bar (value against total, with its figures) or text. */
export type ProgressLine =
  | {
      readonly kind: 'bar';
      readonly label: string;
      readonly value: number;
      readonly total: number;
      readonly figures: string;
    }
  | { readonly kind: 'text'; readonly text: string };

/** More running tasks than this are summed up in one line, so the view fits a small terminal. */
export const MAX_RUNNING_LINES = 8;

const LABEL_WIDTH = 'weekly'.length;

/**
 * The terminal view of a snapshot, top to bottom: tasks done against total, a bar per budget (so
 * the bars stay put), then a line per running task with its step (the part that grows and shrinks).
 */
export function progressLinesOf(snapshot: ProgressSnapshot): ProgressLine[] {
  const { tasks } = snapshot;
  const lines: ProgressLine[] = [
    {
      kind: 'bar',
      label: 'tasks'.padEnd(LABEL_WIDTH),
      value: tasks.done,
      total: tasks.total,
      figures: `${tasks.done}/${tasks.total} done · ${tasks.failed} failed · ${tasks.waiting} waiting`,
    },
  ];
  for (const b of snapshot.spend)
    lines.push({
      kind: 'bar',
      label: b.budget.padEnd(LABEL_WIDTH),
      value: b.spentUsd,
      total: b.capUsd,
      figures: `${usd(b.spentUsd)} / ${usd(b.capUsd)}${b.spentUsd >= b.capUsd ? ' (cap reached)' : ''}`,
    });
  const shown = snapshot.running.length > MAX_RUNNING_LINES ? MAX_RUNNING_LINES - 1 : MAX_RUNNING_LINES;
  for (const r of snapshot.running.slice(0, shown)) {
    const step = r.step ? ` · ${inertLine(r.step)}` : '';
    lines.push({ kind: 'text', text: `  ▸ ${inertLine(r.taskId)} ${inertLine(r.title)}${step}` });
  }
  if (snapshot.running.length > shown)
    lines.push({ kind: 'text', text: `  … and ${snapshot.running.length - shown} more running` });
  return lines;
}

/**
 * What a person would notice changing: the figures and texts (cents, counts, steps), not a
 * fraction of a cent more on a bar.
 */
export function progressLinesKey(lines: readonly ProgressLine[]): string {
  return lines.map((l) => (l.kind === 'bar' ? `${l.label} ${l.figures}` : l.text)).join('\n');
}
