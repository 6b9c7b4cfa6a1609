import { inert } from '../terminal-text';

/**
 * Untrusted text (a title, a step) for one line of a view: control characters shown as escapes
 * (see `inert`), and line breaks and tabs folded into single spaces so it cannot become two lines.
 */
export function inertLine(text: string): string {
  return inert(text.replace(/[\t\n]+/g, ' '));
}

/** Text longer than `max` code points, cut with an ellipsis (plain lines stay readable in a log). */
export function cutText(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Dollars as a person reads them: `$0.12`. */
export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
