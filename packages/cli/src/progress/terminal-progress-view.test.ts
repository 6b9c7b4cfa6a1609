import { afterEach, describe, expect, it } from '@jest/globals';
import stringWidth from 'string-width';
import type { ProgressView } from './progress-view';
import { progressViewFor } from './progress-view-for';
import { CollectingOutput, sampleSnapshot as snapshot } from './testing/collecting-output';

/**
 * What a person would see: the output replayed on a grid that understands the escape sequences a
 * progress view may use (cursor moves, erases, cursor visibility). Any other escape fails the
 * test: it would act on the person's terminal in a way the view does not mean.
 */
function screenOf(term: CollectingOutput): { rows: string[]; cursorShown: boolean } {
  const { output, columns = 80 } = term;
  const grid: string[][] = [];
  let row = 0;
  let col = 0;
  let cursorShown = true;
  const line = (r: number): string[] => (grid[r] ??= []);
  let i = 0;
  while (i < output.length) {
    const ch = output[i] ?? '';
    if (ch === '\u001b') {
      // eslint-disable-next-line no-control-regex -- reading escape sequences is what a terminal does
      const m = /^\u001b\[(\??)(\d*)([A-Za-z])/.exec(output.slice(i));
      if (!m) throw new Error(`unexpected escape at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      const [all, priv, num, op] = m;
      const n = num === '' ? undefined : Number(num);
      if (priv === '?' && n === 25) cursorShown = op === 'h';
      else if (priv === '?' && n === 7) {
        // line wrapping on/off: the view keeps it on
      } else if (op === 'A') row = Math.max(0, row - (n ?? 1));
      else if (op === 'B') row += n ?? 1;
      else if (op === 'C') col += n ?? 1;
      else if (op === 'D') col = Math.max(0, col - (n ?? 1));
      else if (op === 'G') col = (n ?? 1) - 1;
      else if (op === 'K' && (n ?? 0) === 0) line(row).length = Math.min(line(row).length, col);
      else if (op === 'K' && n === 2) grid[row] = [];
      else if (op === 'J' && (n ?? 0) === 0) {
        line(row).length = Math.min(line(row).length, col);
        grid.length = Math.min(grid.length, row + 1);
      } else throw new Error(`unexpected escape ${JSON.stringify(all)}`);
      i += all?.length ?? 1;
      continue;
    }
    if (ch === '\n') {
      row += 1;
      col = 0;
    } else {
      if (col >= columns) {
        row += 1;
        col = 0;
      }
      line(row)[col] = ch;
      col += 1;
    }
    i += 1;
  }
  const rows = Array.from(grid, (r) =>
    Array.from(r ?? [], (c) => c ?? ' ')
      .join('')
      .trimEnd(),
  );
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return { rows, cursorShown };
}

describe('progressViewFor on a terminal', () => {
  let view: ProgressView | undefined;
  afterEach(() => view?.stop());

  const start = (columns = 80): { term: CollectingOutput; view: ProgressView } => {
    const term = new CollectingOutput(columns);
    view = progressViewFor(term, { json: false });
    return { term, view };
  };

  it('shows tasks done against total, a bar per budget and each running task with its step', () => {
    const { term, view } = start();
    view.update(snapshot());
    expect(screenOf(term).rows).toEqual([
      'tasks  ████████████░░░░░░░░ 3/5 done · 1 failed · 1 waiting',
      'run    █░░░░░░░░░░░░░░░░░░░ $0.12 / $2.00',
      'daily  █░░░░░░░░░░░░░░░░░░░ $0.40 / $10.00',
      '  ▸ t4 Add the login form · run_command npm test',
    ]);
    expect(screenOf(term).cursorShown).toBe(false);
  });

  it('follows running tasks as they come and go, leaving no stale line behind', () => {
    const { term, view } = start();
    view.update(
      snapshot({
        running: [
          { taskId: 't4', title: 'Add the login form', step: 'edit_file src/login.ts' },
          { taskId: 't5', title: 'Document the API' },
        ],
      }),
    );
    view.update(
      snapshot({
        tasks: { total: 5, done: 4, failed: 1, waiting: 0 },
        running: [{ taskId: 't5', title: 'Document the API', step: 'commit' }],
      }),
    );
    expect(screenOf(term).rows).toEqual([
      'tasks  ████████████████░░░░ 4/5 done · 1 failed · 0 waiting',
      'run    █░░░░░░░░░░░░░░░░░░░ $0.12 / $2.00',
      'daily  █░░░░░░░░░░░░░░░░░░░ $0.40 / $10.00',
      '  ▸ t5 Document the API · commit',
    ]);
    view.update(snapshot({ tasks: { total: 5, done: 5, failed: 0, waiting: 0 }, running: [] }));
    expect(screenOf(term).rows).toEqual([
      'tasks  ████████████████████ 5/5 done · 0 failed · 0 waiting',
      'run    █░░░░░░░░░░░░░░░░░░░ $0.12 / $2.00',
      'daily  █░░░░░░░░░░░░░░░░░░░ $0.40 / $10.00',
    ]);
  });

  it('prints a said line above the bars without tearing them', () => {
    const { term, view } = start();
    view.update(snapshot());
    view.say('Approval a-1: push to protected path src/auth\n  because it touches a protected path');
    view.say('short');
    expect(screenOf(term).rows).toEqual([
      'Approval a-1: push to protected path src/auth',
      '  because it touches a protected path',
      'short',
      'tasks  ████████████░░░░░░░░ 3/5 done · 1 failed · 1 waiting',
      'run    █░░░░░░░░░░░░░░░░░░░ $0.12 / $2.00',
      'daily  █░░░░░░░░░░░░░░░░░░░ $0.40 / $10.00',
      '  ▸ t4 Add the login form · run_command npm test',
    ]);
  });

  it('shows a hostile title and step as text, never as control characters', () => {
    const { term, view } = start();
    view.update(
      snapshot({
        running: [
          { taskId: 't4', title: 'Login\u001b[2J\u001b]0;owned\u0007{bar}', step: 'ok\rfake\nline\u009b31m' },
        ],
      }),
    );
    view.say('note \u001b[2J');
    view.stop();
    // Only the view's own sequences remain once they are taken out: no raw control character.
    // eslint-disable-next-line no-control-regex -- the view's own escape sequences
    const ownSequences = /\u001b\[(\?25[lh]|\?7[lh]|\d*[ABCDGKJ])/g;
    // eslint-disable-next-line no-control-regex -- looking for control characters is the test
    expect(term.output.replace(ownSequences, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const rows = screenOf(term).rows;
    expect(rows).toContain('note \\x1b[2J');
    expect(rows).toContain('  ▸ t4 Login\\x1b[2J\\x1b]0;owned\\x07{bar} · ok\\x0dfake line\\x9b31m');
  });

  it('cuts every line to the terminal width, counting wide characters as two cells', () => {
    const { term, view } = start(40);
    view.update(
      snapshot({ running: [{ taskId: 't4', title: '登录表单登录表单登录表单登录表单登录表单', step: 'x' }] }),
    );
    const rows = screenOf(term).rows;
    expect(rows).toHaveLength(4);
    // One cell short of the edge: 39 cells, the last one the ellipsis; a CJK character is two.
    expect(rows[0]).toBe('tasks  ████████████░░░░░░░░ 3/5 done ·…');
    expect(rows[3]).toBe('  ▸ t4 登录表单登录表单登录表单登录表…');
    for (const r of rows) expect(stringWidth(r)).toBeLessThanOrEqual(39);
  });

  it('draws nothing for a snapshot that changes nothing a person would see', () => {
    const { term, view } = start();
    view.update(snapshot());
    const before = term.output.length;
    view.update(snapshot());
    view.update(
      snapshot({
        spend: [
          { budget: 'run', spentUsd: 0.1201, capUsd: 2 },
          { budget: 'daily', spentUsd: 0.4, capUsd: 10 },
        ],
      }),
    );
    expect(term.output.length).toBe(before);
    view.update(
      snapshot({
        spend: [
          { budget: 'run', spentUsd: 2, capUsd: 2 },
          { budget: 'daily', spentUsd: 2.28, capUsd: 10 },
        ],
      }),
    );
    expect(screenOf(term).rows.slice(1, 3)).toEqual([
      'run    ████████████████████ $2.00 / $2.00 (cap reached)',
      'daily  █████░░░░░░░░░░░░░░░ $2.28 / $10.00',
    ]);
  });

  it('pauses for a question with the bars finished in place, then resumes below it', () => {
    const { term, view } = start();
    view.update(snapshot());
    view.pause();
    expect(screenOf(term).cursorShown).toBe(true);
    term.write('Approve? [y]es / [n]o / [l]eave it waiting: y\n');
    view.update(snapshot({ tasks: { total: 5, done: 4, failed: 1, waiting: 0 } }));
    view.resume();
    const rows = screenOf(term).rows;
    expect(rows[0]).toBe('tasks  ████████████░░░░░░░░ 3/5 done · 1 failed · 1 waiting');
    expect(rows[4]).toBe('Approve? [y]es / [n]o / [l]eave it waiting: y');
    expect(rows[5]).toBe('tasks  ████████████████░░░░ 4/5 done · 1 failed · 0 waiting');
    expect(rows).toHaveLength(9);
  });

  it('stops with the last figures on screen and the cursor shown, once', () => {
    const { term, view } = start();
    view.update(snapshot());
    view.stop();
    const screen = screenOf(term);
    expect(screen.cursorShown).toBe(true);
    expect(screen.rows[0]).toBe('tasks  ████████████░░░░░░░░ 3/5 done · 1 failed · 1 waiting');
    const after = term.output;
    view.stop();
    view.update(snapshot({ tasks: { total: 5, done: 5, failed: 0, waiting: 0 } }));
    expect(term.output).toBe(after);
    view.say('Report');
    expect(term.output.slice(after.length)).toBe('Report\n');
  });

  it('gives the cursor back if the process exits while the bars are live', () => {
    const { term, view } = start();
    const before = process.listeners('exit');
    view.update(snapshot());
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    added[0]?.(0);
    expect(screenOf(term).cursorShown).toBe(true);
    view.stop();
    expect(process.listeners('exit')).toEqual(before);
  });

  it('writes nothing to the terminal control state when stopped before anything was shown', () => {
    const { term, view } = start();
    view.say('Blueprint plan.md: 5 tasks');
    view.stop();
    expect(term.output).toBe('Blueprint plan.md: 5 tasks\n');
  });
});
