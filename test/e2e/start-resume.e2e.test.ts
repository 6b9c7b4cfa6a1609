import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually, type ScriptedModelCall } from '@autopilot/testing';
import { writeFileSync } from 'node:fs';
import {
  autopilotBranches,
  blueprintOf,
  CALC_TASKS,
  commitSubjects,
  fileAt,
  startFixture,
  type FixtureTask,
  type StartFixture,
  type StartResult,
} from './start-fixture';

/**
 * Issue 16, end to end 2 and 3: `autopilot start` (the bin, no terminal, the scripted model) stops
 * where it must and resumes on the same --dir without repeating or losing work.
 */
describe('autopilot start: budgets and resumption', () => {
  let f: StartFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  /**
   * For each task, how many tool calls its conversation already held each time the model was asked.
   * A finished step asked for again (a run redone from scratch, a lost checkpoint) shows as a count
   * that does not grow.
   */
  function askedAt(calls: readonly ScriptedModelCall[], title: string): number[] {
    return calls
      .filter((c) => {
        const prompt = c.body.messages
          .map((m) => (typeof m.content === 'string' ? m.content : ''))
          .join('\n');
        return new RegExp(`^# Task [^:\\n]+: .*${title}`, 'm').test(prompt);
      })
      .map(
        (c) =>
          c.body.messages.filter((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0).length,
      );
  }

  /** Every task done once: one branch each holding its own work, its tests passing, main untouched. */
  function expectEveryTaskDoneOnce(fixture: StartFixture, result: StartResult): void {
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const report = result.report!;
    expect(report.completed.map((c) => c.title).sort()).toEqual(
      fixture.tasks.map((t) => expect.stringContaining(t.title)).sort(),
    );
    const branches = autopilotBranches(fixture.repo);
    expect(branches).toHaveLength(fixture.tasks.length);
    expect(report.completed.map((c) => c.branch).sort()).toEqual(branches);
    for (const branch of branches) {
      // Each commit once: no subject twice on a branch (a redone step would commit again).
      const subjects = commitSubjects(fixture.repo, branch);
      expect(new Set(subjects).size).toBe(subjects.length);
    }
    const branchOf = (title: string) => report.completed.find((c) => c.title.includes(title))!.branch;
    expect(fileAt(fixture.repo, branchOf('Subtraction'), 'src/calc.js')).toContain('const subtract');
    // Multiplication stacks on Subtraction's work: both are there, each once.
    const multiplied = fileAt(fixture.repo, branchOf('Multiplication'), 'src/calc.js');
    expect(multiplied.match(/const subtract/g)).toHaveLength(1);
    expect(multiplied.match(/const multiply/g)).toHaveLength(1);
    expect(fileAt(fixture.repo, branchOf('Division'), 'src/divide.js')).toContain('RangeError');
    expect(fileAt(fixture.repo, 'main', 'src/calc.js')).not.toContain('subtract');
  }

  /** No task's model was asked twice at the same point of its conversation: no finished step redone. */
  function expectNoStepRepeated(fixture: StartFixture): void {
    for (const task of fixture.tasks) {
      const asked = askedAt(fixture.model.calls, task.title);
      expect({ task: task.title, asked }).toEqual({
        task: task.title,
        asked: [...asked].sort((a, b) => a - b).filter((n, i, all) => all.indexOf(n) === i),
      });
    }
  }

  it('stops at a daily budget too small (exit 3, nothing spent past it, the budget named); a raised budget finishes without repeating a step', async () => {
    f = await startFixture();
    const stopped = await f.runStart({ args: ['--daily-budget', '0.06', '--max-parallel', '1'] });
    expect({ code: stopped.code, stderr: stopped.stderr }).toEqual({ code: 3, stderr: '' });
    const report = stopped.report!;
    expect(report.stoppedBy).toMatch(/daily budget cap of \$0\.06 was reached/);
    const daily = report.spend.find((s) => s.budget === 'daily')!;
    expect(daily.capUsd).toBe(0.06);
    expect(daily.spentUsd).toBeGreaterThan(0);
    expect(daily.spentUsd).toBeLessThanOrEqual(0.06);
    expect(report.completed.length).toBeLessThan(f.tasks.length);
    const callsBefore = f.model.calls.length;
    expect(callsBefore).toBeGreaterThan(0);

    const finished = await f.runStart({ args: ['--daily-budget', '5', '--max-parallel', '1'] });
    expectEveryTaskDoneOnce(f, finished);
    expectNoStepRepeated(f);
    expect(finished.report!.stoppedBy).toBeUndefined();
  }, 240_000);

  it('a changed blueprint re-plans on the same --dir: tasks done stay done, only the new one runs', async () => {
    // The intro grows by lines too, so every task's lines in the blueprint move: a task whose text
    // did not change is still the same work.
    const modulo: FixtureTask = {
      title: 'Remainder',
      body: 'Add `src/mod.js` exporting `mod(a, b)`.\n\nAcceptance criteria:\n- `npm test` passes.',
      calls: [
        {
          tool: 'create_file',
          args: {
            path: 'src/mod.js',
            content: "'use strict';\n\nmodule.exports = { mod: (a, b) => a % b };\n",
          },
        },
        { tool: 'run_command', args: { argv: ['npm', 'test'] } },
        { tool: 'finish', args: { summary: 'mod(a, b) in src/mod.js.', confidence: 0.9 } },
      ],
    };
    f = await startFixture({ tasks: [...CALC_TASKS, modulo] });
    writeFileSync(f.blueprint, blueprintOf(CALC_TASKS));
    const first = await f.runStart();
    expect(first.code).toBe(0);
    expect(first.report!.completed).toHaveLength(CALC_TASKS.length);
    const branchesBefore = autopilotBranches(f.repo);
    const callsBefore = f.model.calls.length;

    writeFileSync(
      f.blueprint,
      blueprintOf(
        [...CALC_TASKS, modulo],
        'Grow the calculator, one tested function at a time.\n\nEvery function comes with its tests.\nNone of them throws.',
      ),
    );
    const second = await f.runStart();
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.report!.completed).toHaveLength(CALC_TASKS.length + 1);
    const added = autopilotBranches(f.repo).filter((b) => !branchesBefore.includes(b));
    expect(added).toHaveLength(1);
    expect(fileAt(f.repo, added[0]!, 'src/mod.js')).toContain('a % b');
    // Only the new task asked the model anything.
    const later = f.model.calls.slice(callsBefore);
    expect(later.length).toBeGreaterThan(0);
    expect(
      later.every((c) =>
        c.body.messages.some(
          (m) => typeof m.content === 'string' && /^# Task [^:\n]+: .*Remainder/m.test(m.content),
        ),
      ),
    ).toBe(true);
  }, 240_000);

  it('SIGINT stops at the next safe point (exit 130, runs checkpointed); the next start resumes them, no step redone', async () => {
    f = await startFixture();
    const first = f.spawnStart();
    await eventually(() => expect(first.stdout()).toMatch(/"step":"edit: /), {
      timeoutMs: 90_000,
      intervalMs: 50,
    });
    first.child.kill('SIGINT');
    const stopped = await first.exited;
    expect({ code: stopped.code, stderr: stopped.stderr }).toEqual({ code: 130, stderr: '' });
    expect(stopped.stdout).toContain('interrupted: runs in flight were checkpointed');
    expect(stopped.report!.completed.length).toBeLessThan(f.tasks.length);

    const again = await f.runStart();
    expectEveryTaskDoneOnce(f, again);
    expectNoStepRepeated(f);
  }, 240_000);

  it.each([
    ['after an edit, before anything was committed', /"step":"edit: /],
    ['right after a run committed its result', /"step":"checkpoint: result committed/],
  ])(
    'SIGKILLed mid-run (%s), then started again on the same --dir: every task finishes once, no commit duplicated or lost',
    async (_when, point) => {
      f = await startFixture();
      const first = f.spawnStart();
      await eventually(() => expect(first.stdout()).toMatch(point), {
        timeoutMs: 90_000,
        intervalMs: 50,
      });
      first.child.kill('SIGKILL');
      const killed = await first.exited;
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.report).toBeUndefined();
      const callsAtKill = f.model.calls.length;

      // A step the killed process had not journaled yet may be asked for again (its edit was never
      // committed, so doing it again duplicates nothing); what was committed is adopted, not redone.
      const again = await f.runStart();
      expectEveryTaskDoneOnce(f, again);
      // The second start had work left to do: the kill landed mid-run, not after the end.
      expect(f.model.calls.length).toBeGreaterThan(callsAtKill);
    },
    240_000,
  );
});
