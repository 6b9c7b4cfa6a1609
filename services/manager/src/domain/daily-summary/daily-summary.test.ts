import type { Project, Run, Task } from '@autopilot/contracts';
import {
  buildDailySummary,
  oneSentence,
  projectDayAt,
  testsRan,
  type DailySummaryInput,
} from './daily-summary';

const project: Project = {
  id: 'p1',
  name: 'Shop',
  repo: { location: '/srv/repos/shop', defaultBranch: 'main' },
  autonomyMode: 'full_auto',
  maxParallel: 2,
  budgets: { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 },
  schedule: { timezone: 'Europe/Berlin', windows: [] },
  paused: false,
  createdAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T08:00:00.000Z',
  revision: 1,
};
const at = (hhmm: string): string => `2026-03-02T${hhmm}:00.000Z`;
const day = projectDayAt(project, Date.parse(at('12:00')));

function task(id: string, status: Task['status'], extra: Partial<Task> = {}): Task {
  return {
    id,
    title: `Do ${id}`,
    kind: 'code',
    planNodeId: `node-${id}`,
    dependsOn: [],
    scopePaths: ['src/**'],
    validationCommands: [['npm', 'test']],
    projectId: 'p1',
    status,
    attempts: 1,
    maxAttempts: 3,
    lastRunId: `r-${id}`,
    createdAt: at('07:00'),
    updatedAt: at('09:00'),
    revision: 3,
    ...extra,
  };
}

function run(taskId: string, status: Run['status'], extra: Partial<Run> = {}): Run {
  return {
    id: `r-${taskId}`,
    projectId: 'p1',
    taskId,
    attempt: 1,
    status,
    fencingToken: 1,
    branch: `autopilot/${taskId}`,
    baseCommit: '0'.repeat(40),
    steps: 3,
    costUsd: 0.5,
    tokens: { input: 1, output: 1 },
    tests: { passed: 4, failed: 0 },
    createdAt: at('08:00'),
    startedAt: at('08:01'),
    finishedAt: at('09:00'),
    updatedAt: at('09:00'),
    revision: 3,
    ...extra,
  };
}

const input = (extra: Partial<DailySummaryInput>): DailySummaryInput => ({
  project,
  day,
  tasks: [],
  endedRuns: [],
  openRuns: [],
  taskCostUsd: new Map(),
  now: Date.parse(at('23:30')),
  ...extra,
});

describe('daily summary: honesty rules', () => {
  it('the day is the local calendar day: Berlin midnight is 23:00 UTC in winter', () => {
    expect(day).toMatchObject({ timezone: 'Europe/Berlin', date: { year: 2026, month: 3, day: 2 } });
    expect(new Date(day.from).toISOString()).toBe('2026-03-01T23:00:00.000Z');
    expect(new Date(day.to).toISOString()).toBe('2026-03-02T23:00:00.000Z');
  });

  it('days on which the clocks change are 23 and 25 hours long, and a run at 02:30 local counts once', () => {
    const spring = projectDayAt(project, Date.parse('2026-03-29T12:00:00.000Z'));
    expect(new Date(spring.from).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(spring.to).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect((spring.to - spring.from) / 3_600_000).toBe(23);
    const autumn = projectDayAt(project, Date.parse('2026-10-25T12:00:00.000Z'));
    expect(new Date(autumn.from).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(new Date(autumn.to).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
    // 02:30 happens twice in Berlin on 2026-10-25 (00:30Z and 01:30Z): both instants are that day.
    for (const instant of ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']) {
      expect(projectDayAt(project, Date.parse(instant)).date).toEqual({ year: 2026, month: 10, day: 25 });
    }
    // The day before ends exactly where the autumn day begins: nothing falls between two days.
    const before = projectDayAt(project, Date.parse('2026-10-24T12:00:00.000Z'));
    expect(before.to).toBe(autumn.from);
  });

  it.each([
    {
      name: 'a success with passing tests is completed, no note',
      t: task('a', 'succeeded'),
      r: run('a', 'succeeded'),
      completed: [{ taskId: 'a', testsRan: true }],
      failed: [],
      note: undefined,
    },
    {
      name: 'a success whose tests did not run says so',
      t: task('a', 'succeeded'),
      r: run('a', 'succeeded', { tests: { passed: 0, failed: 0, skipped: 0 } }),
      completed: [{ taskId: 'a', testsRan: false, note: 'tests did not run' }],
      failed: [],
      note: 'tests did not run',
    },
    {
      name: 'a success without test results says tests did not run',
      t: task('a', 'succeeded'),
      r: run('a', 'succeeded', { tests: undefined }),
      completed: [{ taskId: 'a', testsRan: false, note: 'tests did not run' }],
      failed: [],
      note: 'tests did not run',
    },
    {
      name: 'a success with failing tests says how many failed',
      t: task('a', 'succeeded'),
      r: run('a', 'succeeded', { tests: { passed: 3, failed: 2 } }),
      completed: [{ taskId: 'a', testsRan: true, note: '2 tests failed' }],
      failed: [],
      note: '2 tests failed',
    },
    {
      name: 'a failed task is never done: failed, with the first sentence of its reason',
      t: task('a', 'failed', { failure: { code: 'X', message: 'same failure twice: x' } }),
      r: run('a', 'failed', {
        failure: { code: 'WORKER_TESTS_FAILED', message: 'npm test exited 1.\nStack trace follows: …' },
      }),
      completed: [],
      failed: [{ taskId: 'a', reason: 'npm test exited 1.', willRetry: false }],
      note: undefined,
    },
    {
      name: 'a failed run whose task retries: failed, will retry',
      t: task('a', 'ready'),
      r: run('a', 'failed', { failure: { code: 'X', message: 'timeout' } }),
      completed: [],
      failed: [{ taskId: 'a', reason: 'timeout', willRetry: true }],
      note: undefined,
    },
    {
      name: 'a succeeded run whose task a plan revision reopened is not done',
      t: task('a', 'blocked'),
      r: run('a', 'succeeded'),
      completed: [],
      failed: [],
      note: undefined,
    },
    {
      name: 'a cancelled run is neither done nor failed',
      t: task('a', 'cancelled'),
      r: run('a', 'cancelled'),
      completed: [],
      failed: [],
      note: undefined,
    },
  ])('$name', ({ t, r, completed, failed }) => {
    const s = buildDailySummary(input({ tasks: [t], endedRuns: [r] }));
    expect(s.completed).toEqual(completed.map((c) => expect.objectContaining(c)));
    expect(s.failed).toEqual(failed.map((c) => expect.objectContaining(c)));
    expect(s.counts).toMatchObject({ completed: completed.length, failed: failed.length });
    if (s.completed.some((c) => !c.testsRan)) expect(s.headline).toContain('tests did not run');
  });

  it('the last run of the day decides: failed then succeeded is completed; succeeded then failed is not', () => {
    const retried = buildDailySummary(
      input({
        tasks: [task('a', 'succeeded', { lastRunId: 'r2', attempts: 2 })],
        endedRuns: [
          run('a', 'failed', { id: 'r1', finishedAt: at('08:00') }),
          run('a', 'succeeded', { id: 'r2', finishedAt: at('10:00') }),
        ],
        taskCostUsd: new Map([['a', 1.25]]),
      }),
    );
    expect(retried.completed).toEqual([expect.objectContaining({ runId: 'r2', costUsd: 1.25, attempts: 2 })]);
    expect(retried.failed).toEqual([]);
  });

  it('paused with the decision needed, running with progress, queued, approvals waiting, cost against the cap', () => {
    const s = buildDailySummary(
      input({
        project: {
          ...project,
          paused: true,
          pause: {
            kind: 'consecutive_failures',
            reason: '3 runs in a row failed. Details below.',
            unblock: 'fix the cause, then resume the project',
            since: at('15:00'),
          },
        },
        tasks: [
          task('run', 'running', { currentRunId: 'r-run' }),
          task('q', 'queued', { currentRunId: 'r-q' }),
          task('rd', 'ready'),
          task('wait', 'awaiting_approval', { currentRunId: 'r-wait' }),
          task('blk', 'blocked'),
        ],
        endedRuns: [run('x', 'failed', { costUsd: 2 })],
        openRuns: [
          run('run', 'running', { steps: 7, costUsd: 0.75 }),
          run('q', 'pending', { costUsd: 0 }),
          run('wait', 'suspended', { costUsd: 0.25 }),
        ],
      }),
    );
    expect(s.paused).toEqual({
      kind: 'consecutive_failures',
      reason: '3 runs in a row failed. Details below.',
      decisionNeeded: 'fix the cause, then resume the project',
      since: at('15:00'),
    });
    expect(s.running).toEqual([expect.objectContaining({ taskId: 'run', steps: 7, costUsd: 0.75 })]);
    expect(s.queued.map((q) => q.taskId)).toEqual(['q', 'rd']);
    expect(s.awaitingApproval.map((q) => q.taskId)).toEqual(['wait']);
    expect(s.cost).toEqual({ spentUsd: 3, dailyCapUsd: 50 });
    expect(s.final).toBe(true); // made at 23:30 UTC: past Berlin midnight
    expect(s.headline).toBe(
      '0 completed, 1 running, 2 queued, 1 awaiting approval, paused: 3 runs in a row failed., $3.00 of $50.00',
    );
  });

  it.each([
    ['npm test exited 1. Then more', 'npm test exited 1.'],
    ['  multi\nline\treason  ', 'multi line reason'],
    ['', 'no reason given'],
    ['v1.2 is required', 'v1.2 is required'],
    ['x'.repeat(400), `${'x'.repeat(299)}…`],
  ])('oneSentence, case %#', (message, expected) => {
    expect(oneSentence(message)).toBe(expected);
  });

  it.each([
    [undefined, false],
    [{ passed: 0, failed: 0 }, false],
    [{ passed: 0, failed: 0, skipped: 2 }, true],
    [{ passed: 0, failed: 1 }, true],
  ])('testsRan(%j) → %j', (tests, expected) => {
    expect(testsRan(tests)).toBe(expected);
  });
});
