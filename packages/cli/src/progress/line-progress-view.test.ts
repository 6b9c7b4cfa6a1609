import { describe, expect, it } from '@jest/globals';
import { progressViewFor } from './progress-view-for';
import { CollectingOutput, sampleSnapshot as snapshot } from './testing/collecting-output';

describe('progressViewFor on output that is not a terminal', () => {
  it('writes one plain line per change, with the figures, never the same line twice in a row', () => {
    const out = new CollectingOutput();
    const view = progressViewFor(out, { json: false });
    view.update(snapshot());
    view.update(snapshot());
    // Less than a cent more, and a new title for the same step: nothing a log reader would see.
    view.update(
      snapshot({
        spend: [
          { budget: 'run', spentUsd: 0.1249, capUsd: 2 },
          { budget: 'daily', spentUsd: 0.4, capUsd: 10 },
        ],
      }),
    );
    view.update(snapshot({ running: [{ taskId: 't4', title: 'Renamed', step: 'run_command npm test' }] }));
    view.say('Approval a-1 waits for a person');
    view.update(snapshot({ tasks: { total: 5, done: 4, failed: 1, waiting: 0 }, running: [] }));
    view.update(snapshot({ tasks: { total: 5, done: 4, failed: 0, waiting: 1 }, running: [], spend: [] }));
    view.stop();
    view.update(snapshot({ tasks: { total: 5, done: 5, failed: 0, waiting: 0 } }));
    expect(out.lines()).toEqual([
      'progress: 3/5 done, 1 failed, 1 waiting; running t4 (step: run_command npm test); spend run $0.12/$2.00, daily $0.40/$10.00',
      'Approval a-1 waits for a person',
      'progress: 4/5 done, 1 failed; spend run $0.12/$2.00, daily $0.40/$10.00',
      'progress: 4/5 done, 1 waiting',
    ]);
  });

  it('keeps hostile text inert and on one line, with no ANSI codes at all', () => {
    const out = new CollectingOutput();
    const view = progressViewFor(out, { json: false });
    view.update(snapshot({ running: [{ taskId: 't\u001b[31m4', title: 'x', step: 'a\nb\u001b[2J' }] }));
    view.say('note \u001b]0;owned\u0007\nsecond');
    view.pause();
    view.resume();
    view.stop();
    // eslint-disable-next-line no-control-regex -- looking for control characters is the test
    expect(out.output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(out.lines()).toEqual([
      'progress: 3/5 done, 1 failed, 1 waiting; running t\\x1b[31m4 (step: a b\\x1b[2J); spend run $0.12/$2.00, daily $0.40/$10.00',
      'note \\x1b]0;owned\\x07',
      'second',
    ]);
  });

  it('cuts a long step so the line stays readable in a log', () => {
    const out = new CollectingOutput();
    const view = progressViewFor(out, { json: false });
    view.update(
      snapshot({
        running: [{ taskId: 't4', title: 'x', step: `run_command ${'a'.repeat(200)}` }],
        spend: [],
      }),
    );
    expect(out.lines()).toEqual([
      `progress: 3/5 done, 1 failed, 1 waiting; running t4 (step: run_command ${'a'.repeat(67)}…)`,
    ]);
  });
});

describe('progressViewFor with --json', () => {
  it('writes a JSON object per change that matches the snapshot, and notes as JSON too', () => {
    const out = new CollectingOutput();
    const view = progressViewFor(out, { json: true });
    const first = snapshot();
    view.update(first);
    view.update(
      snapshot({
        spend: [
          { budget: 'run', spentUsd: 0.1201, capUsd: 2 },
          { budget: 'daily', spentUsd: 0.4, capUsd: 10 },
        ],
      }),
    );
    view.say('Approval a-1 waits for a person');
    const second = snapshot({ running: [{ taskId: 't4', title: 'Add the login form', step: 'commit' }] });
    view.update(second);
    view.stop();
    const parsed = out.lines().map((l) => JSON.parse(l) as unknown);
    expect(parsed).toEqual([
      { type: 'progress', ...first },
      { type: 'note', text: 'Approval a-1 waits for a person' },
      { type: 'progress', ...second },
    ]);
  });

  it('is chosen over the bars even on a terminal, and escapes every control character it carries', () => {
    const out = new CollectingOutput(80);
    const view = progressViewFor(out, { json: true });
    const hostile = 'Login\u001b[2J\u009b31m\u202eexe';
    view.update(snapshot({ running: [{ taskId: 't4', title: hostile }] }));
    view.stop();
    // eslint-disable-next-line no-control-regex -- looking for control characters is the test
    expect(out.output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const [line] = out.lines();
    expect(JSON.parse(line ?? '')).toMatchObject({
      type: 'progress',
      running: [{ taskId: 't4', title: hostile }],
    });
  });
});
