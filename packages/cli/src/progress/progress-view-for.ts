import { inert } from '../terminal-text';
import { jsonNoteLineOf, jsonProgressKeyOf, jsonProgressLineOf } from './json-progress-line';
import { LineProgressView, type LineFormat } from './line-progress-view';
import { plainProgressLineOf } from './plain-progress-line';
import type { ProgressOutput, ProgressView } from './progress-view';
import { TerminalProgressView } from './terminal-progress-view';

const plainLines: LineFormat = {
  progressKeyOf: plainProgressLineOf,
  progressLineOf: plainProgressLineOf,
  noteLinesOf: (text) => text.split('\n').map(inert),
};

const jsonLines: LineFormat = {
  progressKeyOf: jsonProgressKeyOf,
  progressLineOf: jsonProgressLineOf,
  noteLinesOf: (text) => [jsonNoteLineOf(text)],
};

/**
 * The progress view for where the output goes: live bars on a terminal, JSON lines with `--json`
 * (even on a terminal), plain lines otherwise. Call `stop()` when the start ends, also on a
 * signal or an error: on a terminal the cursor is hidden while the bars are live.
 */
export function progressViewFor(out: ProgressOutput, opts: { json: boolean }): ProgressView {
  if (opts.json) return new LineProgressView(out, jsonLines);
  if (out.isTTY === true) return new TerminalProgressView(out);
  return new LineProgressView(out, plainLines);
}
