import { Format, MultiBar, type GenericFormatter, type Options, type SingleBar } from 'cli-progress';
import { inert } from '../terminal-text';
import { fitToWidth } from './fit-to-width';
import { progressLinesKey, progressLinesOf, type ProgressLine } from './progress-lines';
import type { ProgressOutput, ProgressSnapshot, ProgressView } from './progress-view';

/** What each of the library's bars carries: the line it shows. */
interface SlotPayload {
  readonly line: ProgressLine;
}

/**
 * Every slot is drawn by this formatter (a function, not a `{token}` template, so a title that
 * contains `{bar}` is shown as written). Bars get the library's glyphs for the library's
 * value/total; everything is cut to the width at the moment of drawing, one cell short of the
 * edge, so no line wraps and a resize is followed on the next redraw.
 */
const drawSlot: GenericFormatter = (options, params, payload: SlotPayload) => {
  const { line } = payload;
  const text =
    line.kind === 'bar'
      ? `${line.label} ${Format.BarFormat(params.progress, options)} ${line.figures}`
      : line.text;
  return fitToWidth(text, params.maxWidth - 1);
};

const ERASE_TO_END_OF_LINE = '\u001b[K';
const SHOW_CURSOR = '\u001b[?25h';

/**
 * Live progress on a terminal with cli-progress's MultiBar: one library bar per line (the slots),
 * added and removed at the bottom only, so lines never move under a bar that is not redrawn.
 */
export class TerminalProgressView implements ProgressView {
  private bars: MultiBar | undefined;
  private slots: SingleBar[] = [];
  private lines: ProgressLine[] = [];
  private lastKey: string | undefined;
  private paused = false;
  private stopped = false;

  constructor(private readonly out: ProgressOutput) {}

  /** A process that ends without `stop()` (an uncaught error, `process.exit`) gives the cursor back. */
  private readonly showCursorOnExit = (): void => void this.out.write(SHOW_CURSOR);

  update(snapshot: ProgressSnapshot): void {
    if (this.stopped) return;
    const lines = progressLinesOf(snapshot);
    const key = progressLinesKey(lines);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.lines = lines;
    if (!this.paused) this.draw();
  }

  say(line: string): void {
    const texts = line.split('\n').map(inert);
    const bars = this.bars;
    if (!bars) {
      for (const t of texts) this.out.write(`${t}\n`);
      return;
    }
    // The library writes logged lines above the bars on its next redraw, only clearing the first
    // row it reuses: each line clears the rest of its own row. Redrawn now, so the line is on the
    // screen before a question is asked and is not lost by a stop right after.
    for (const t of texts) bars.log(`${t}${ERASE_TO_END_OF_LINE}\n`);
    bars.update();
  }

  pause(): void {
    if (this.stopped || this.paused) return;
    this.paused = true;
    this.finishBars();
  }

  resume(): void {
    if (this.stopped || !this.paused) return;
    this.paused = false;
    if (this.lines.length > 0) this.draw();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finishBars();
  }

  /** The current lines into the slots, then one redraw (the library's timer keeps redrawing). */
  private draw(): void {
    if (!this.bars) process.once('exit', this.showCursorOnExit);
    const bars = (this.bars ??= new MultiBar(this.options()));
    while (this.slots.length > this.lines.length) {
      const last = this.slots.pop();
      if (last) bars.remove(last);
    }
    this.lines.forEach((line, i) => {
      const payload: SlotPayload = { line };
      const [value, total] = line.kind === 'bar' ? [line.value, line.total] : [0, 1];
      const slot = this.slots[i];
      if (!slot) {
        this.slots.push(bars.create(total, value, payload));
        return;
      }
      slot.setTotal(total);
      slot.update(value, payload);
    });
    bars.update();
  }

  /** The bars drawn one last time where they are, the cursor shown, no more redraws. */
  private finishBars(): void {
    const bars = this.bars;
    if (!bars) return;
    process.off('exit', this.showCursorOnExit);
    bars.update();
    bars.stop();
    this.bars = undefined;
    this.slots = [];
  }

  private options(): Options {
    return {
      stream: this.out,
      format: drawSlot,
      barsize: 20,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      // Long `say` lines wrap as usual; bar lines are cut to the width by drawSlot.
      linewrap: true,
      // Every redraw rewrites every line: a line logged above the bars moves them all down a row,
      // which the library's draw-only-what-changed would leave stale.
      forceRedraw: true,
      fps: 5,
      clearOnComplete: false,
      // SIGINT stops a start at its next safe point; the caller stops the view then.
      gracefulExit: false,
    };
  }
}
