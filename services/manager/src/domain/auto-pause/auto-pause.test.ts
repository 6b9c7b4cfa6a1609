import { decideAutoPause, type FinishedRunFacts } from './auto-pause';

const ok = (runId: string, over: Partial<FinishedRunFacts> = {}): FinishedRunFacts => ({
  runId,
  taskId: `task-${runId}`,
  outcome: 'succeeded',
  confidence: 0.95,
  ...over,
});
const failed = (runId: string) =>
  ok(runId, { outcome: 'failed', confidence: 0.1, signature: 'command: npm test exit #' });

describe('decideAutoPause', () => {
  it('pauses after 3 consecutive failed runs, naming them and what unblocks it', () => {
    const history = [ok('r0'), failed('r1'), failed('r2'), failed('r3')];
    expect(decideAutoPause(history[3] as FinishedRunFacts, history)).toEqual([
      {
        rule: 'consecutive_failures',
        reason:
          '3 runs in a row failed (run r1 of task task-r1, run r2 of task task-r2, run r3 of task task-r3); last failure: command: npm test exit #',
        unblock: expect.stringContaining('then resume the project'),
      },
    ]);
  });

  it('does not pause on 2 failures, nor when a success broke the streak; cancelled runs neither break nor count', () => {
    expect(decideAutoPause(failed('r2'), [failed('r1'), failed('r2')])).toEqual([]);
    expect(decideAutoPause(failed('r4'), [failed('r1'), failed('r2'), ok('r3'), failed('r4')])).toEqual([]);
    const withCancel = [failed('r1'), ok('c', { outcome: 'cancelled' }), failed('r2'), failed('r3')];
    expect(decideAutoPause(failed('r3'), withCancel).map((p) => p.rule)).toEqual(['consecutive_failures']);
  });

  it('pauses on a success below the confidence threshold (default 0.8, configurable)', () => {
    const run = ok('r1', { confidence: 0.62, branch: 'ap/task-r1' });
    expect(decideAutoPause(run, [run])).toEqual([
      {
        rule: 'low_confidence',
        reason: 'run r1 of task task-r1 finished with confidence 0.62, below the threshold 0.8',
        unblock: 'review branch ap/task-r1; accept it or retry the task, then resume the project',
      },
    ]);
    expect(decideAutoPause(run, [run], { confidenceThreshold: 0.5 })).toEqual([]);
    expect(decideAutoPause(ok('r2', { confidence: 0.8 }), [])).toEqual([]);
  });

  it('pauses on a failed quality gate only where policy says so', () => {
    const run = ok('r1', {
      gates: [
        { name: 'tests', passed: false },
        { name: 'lint', passed: false },
      ],
    });
    expect(decideAutoPause(run, [run])).toEqual([]);
    expect(decideAutoPause(run, [run], { pauseOnFailedGates: ['tests'] })).toEqual([
      {
        rule: 'quality_gate',
        reason: 'run r1 of task task-r1 failed the quality gate tests, which policy says pauses the project',
        unblock: 'fix what tests reports (or retry the task), then resume the project',
      },
    ]);
    expect(decideAutoPause(run, [run], { pauseOnFailedGates: ['*'] })[0]?.reason).toContain(
      'quality gates tests, lint',
    );
  });
});
