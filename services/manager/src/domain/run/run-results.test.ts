import type { Run, RunFinishedV1 } from '@autopilot/contracts';
import { T0, T1, task } from '../task/task-fixtures.test-support';
import { taskAfterRun } from '../task/task-after-run';
import {
  checkFencingToken,
  decideRunFinished,
  decideRunStarted,
  endRunByManager,
  requeueRun,
} from './run-results';

const run = (extra: Partial<Run> = {}): Run => ({
  id: 'r1',
  projectId: 'p1',
  taskId: 't1',
  attempt: 1,
  status: 'running',
  fencingToken: 2,
  branch: 'autopilot/t1/r1',
  baseCommit: '0'.repeat(40),
  steps: 0,
  costUsd: 0,
  tokens: { input: 0, output: 0 },
  createdAt: T0,
  updatedAt: T0,
  revision: 3,
  ...extra,
});

const finished = (extra: Partial<RunFinishedV1> = {}): RunFinishedV1 => ({
  runId: 'r1',
  taskId: 't1',
  projectId: 'p1',
  fencingToken: 2,
  outcome: 'succeeded',
  costUsd: 1,
  tokens: { input: 1, output: 1 },
  diff: { filesChanged: 0, insertions: 0, deletions: 0 },
  tests: { passed: 0, failed: 0 },
  durationMs: 1,
  steps: 1,
  confidence: 0.9,
  finishedAt: T1,
  ...extra,
});

describe('run reports', () => {
  it('refuses a stale fencing token and one never issued, naming both tokens', () => {
    expect(checkFencingToken(run(), 2)).toBeUndefined();
    expect(checkFencingToken(run(), 1)).toBe(
      'stale fencing token 1: run r1 is on lease 2 (requeued or cancelled since)',
    );
    expect(checkFencingToken(run(), 3)).toBe('fencing token 3 was never issued for run r1 (current 2)');
    expect(decideRunFinished(run(), finished({ fencingToken: 1 }), T1).kind).toBe('refused');
  });

  it('treats a repeated report as unchanged and a contradicting one as refused', () => {
    const done = run({ status: 'succeeded' });
    expect(decideRunFinished(done, finished(), T1).kind).toBe('unchanged');
    expect(decideRunFinished(done, finished({ outcome: 'failed' }), T1).kind).toBe('refused');
    expect(
      decideRunStarted(
        run(),
        { ...finished(), workerId: 'w', branch: 'b', baseCommit: 'a'.repeat(40), startedAt: T1 },
        T1,
        T1,
      ).kind,
    ).toBe('unchanged');
  });

  it('ends a pending run through running when its end arrives first', () => {
    const d = decideRunFinished(run({ status: 'pending' }), finished(), T1);
    expect(d).toMatchObject({ kind: 'changed', run: { status: 'succeeded', startedAt: T1, revision: 4 } });
  });

  it('moves the fencing token on when the manager cancels or requeues', () => {
    expect(requeueRun(run(), T1)).toMatchObject({ status: 'pending', fencingToken: 3, revision: 4 });
    expect(endRunByManager(run(), 'cancelled', { code: 'C', message: 'm' }, T1)).toMatchObject({
      status: 'cancelled',
      fencingToken: 3,
      finishedAt: T1,
    });
    expect(
      endRunByManager(run({ status: 'failed' }), 'cancelled', { code: 'C', message: 'm' }, T1),
    ).toBeUndefined();
  });
});

describe('taskAfterRun', () => {
  const now = Date.parse(T1);
  it('moves nothing when the run is not the task’s current one', () => {
    expect(
      taskAfterRun(task('t1', 'running', [], { currentRunId: 'other' }), {}, run(), {}, now),
    ).toBeUndefined();
  });

  it('retries a failure with a backoff, then fails the same failure twice', () => {
    const t = task('t1', 'running', [], { currentRunId: 'r1', attempts: 1 });
    const failed = run({ status: 'failed', failure: { code: 'X', message: 'exit 1 at 10:00:01' } });
    const first = taskAfterRun(t, {}, failed, { failedStepKind: 'command' }, now);
    expect(first).toMatchObject({
      task: { status: 'ready', revision: 2 },
      notes: { signatures: ['command: exit # at <time>'], notBefore: '2026-03-01T11:00:30.000Z' },
    });
    expect(first?.task.currentRunId).toBeUndefined();
    const second = taskAfterRun(
      { ...t, attempts: 2 },
      first?.notes ?? {},
      { ...failed, failure: { code: 'X', message: 'exit 2 at 11:00:07' } },
      { failedStepKind: 'command' },
      now,
    );
    expect(second?.task).toMatchObject({
      status: 'failed',
      failure: {
        code: 'MANAGER_SAME_FAILURE_TWICE',
        message: 'same failure twice: command: exit # at <time>',
      },
    });
  });

  it('follows a queued task through running to its run’s end or suspension', () => {
    const t = task('t1', 'queued', [], { currentRunId: 'r1', attempts: 1 });
    expect(taskAfterRun(t, {}, run({ status: 'succeeded' }), {}, now)?.task).toMatchObject({
      status: 'succeeded',
      branch: 'autopilot/t1/r1',
    });
    expect(taskAfterRun(t, {}, run({ status: 'suspended' }), {}, now)?.task).toMatchObject({
      status: 'awaiting_approval',
      currentRunId: 'r1',
    });
    expect(
      taskAfterRun({ ...t, status: 'running' }, {}, run({ status: 'pending' }), {}, now)?.task.status,
    ).toBe('queued');
  });
});
