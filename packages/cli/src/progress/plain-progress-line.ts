import { cutText, inertLine, usd } from './inert-line';
import type { ProgressSnapshot } from './progress-view';

/** A step longer than this is cut in a plain line; the line is for a log, not a transcript. */
const MAX_STEP_CHARS = 80;

/**
 * The one-line form for output that is not a terminal (a log, CI), no ANSI:
 * `progress: 3/5 done, 1 failed; running t4 (step: run_command npm test); spend run $0.12/$2.00, daily $0.40/$10.00`.
 * Zero counts are left out so the line says only what is there.
 */
export function plainProgressLineOf(snapshot: ProgressSnapshot): string {
  const { tasks } = snapshot;
  const counts = [
    `${tasks.done}/${tasks.total} done`,
    ...(tasks.failed > 0 ? [`${tasks.failed} failed`] : []),
    ...(tasks.waiting > 0 ? [`${tasks.waiting} waiting`] : []),
  ].join(', ');
  const parts = [`progress: ${counts}`];
  if (snapshot.running.length > 0) {
    const running = snapshot.running.map((r) => {
      const step = r.step ? ` (step: ${cutText(inertLine(r.step), MAX_STEP_CHARS)})` : '';
      return `${inertLine(r.taskId)}${step}`;
    });
    parts.push(`running ${running.join(', ')}`);
  }
  if (snapshot.spend.length > 0)
    parts.push(
      `spend ${snapshot.spend.map((b) => `${b.budget} ${usd(b.spentUsd)}/${usd(b.capUsd)}`).join(', ')}`,
    );
  return parts.join('; ');
}
