import type { Run } from '@autopilot/contracts';
import {
  difficulties,
  difficulty,
  emptyProjectLearning,
  emptyTaskLearning,
  learnFromPlan,
  learnFromRun,
  MAX_AREAS,
  projectSignals,
  taskSignals,
  type ProjectLearning,
  type RunEnded,
  type TaskLearning,
} from './learning-signals';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function run(id: string, status: Run['status'], start: number, end: number, costUsd = 1): Run {
  return {
    id,
    projectId: 'p1',
    taskId: 't1',
    attempt: 1,
    status,
    fencingToken: 1,
    branch: `autopilot/t1/${id}`,
    baseCommit: '0'.repeat(40),
    steps: 2,
    costUsd,
    tokens: { input: 0, output: 0 },
    createdAt: iso(start),
    startedAt: iso(start),
    finishedAt: iso(end),
    updatedAt: iso(end),
    revision: 2,
  };
}

const task = { id: 't1', planNodeId: 'node-auth', scopePaths: ['src/auth/**'], createdAt: iso(0) };
const ended = (r: Run, deps: string[] = []): RunEnded => ({ run: r, task, dependencySucceededAt: deps });

function replay(runs: RunEnded[]): { task: TaskLearning; project: ProjectLearning } {
  let state = { task: emptyTaskLearning('p1', 't1'), project: emptyProjectLearning('p1') };
  for (const e of runs) state = learnFromRun(state.task, state.project, e);
  return state;
}

describe('learning signals: running totals', () => {
  it('counts each run once; cancelled and unfinished runs teach nothing', () => {
    const first = replay([ended(run('r1', 'failed', 10, 20))]);
    expect(learnFromRun(first.task, first.project, ended(run('r1', 'failed', 10, 20)))).toEqual(first);
    const cancelled = learnFromRun(first.task, first.project, ended(run('r2', 'cancelled', 20, 30)));
    expect(cancelled.task).toBe(first.task);
    const running = learnFromRun(first.task, first.project, ended(run('r3', 'running', 20, 30)));
    expect(running.project).toBe(first.project);
  });

  it.each([
    // runs, failures, rework, cycle time (min): ready at the latest of creation and dependencies' success
    {
      name: 'first run succeeds',
      runs: [run('r1', 'succeeded', 5, 25)],
      deps: [],
      f: 0,
      rework: 0,
      cycle: 25,
    },
    {
      name: 'a failure then a success: one rework, cycle from ready to the success',
      runs: [run('r1', 'failed', 5, 15), run('r2', 'succeeded', 20, 40)],
      deps: [],
      f: 1,
      rework: 1,
      cycle: 40,
    },
    {
      name: 'ready when the last dependency succeeded',
      runs: [run('r1', 'succeeded', 70, 90)],
      deps: [iso(30), iso(60)],
      f: 0,
      rework: 0,
      cycle: 30,
    },
    {
      name: 'run again after a success (reset): rework, the first success keeps the cycle time',
      runs: [run('r1', 'succeeded', 5, 15), run('r2', 'rolled_back', 20, 30), run('r3', 'succeeded', 30, 50)],
      deps: [],
      f: 1,
      rework: 2,
      cycle: 15,
    },
  ])('$name', ({ runs, deps, f, rework, cycle }) => {
    const { task: t, project } = replay(runs.map((r) => ended(r, deps)));
    const s = taskSignals(t, 't1', project, ['node:node-auth']);
    expect(s).toMatchObject({ failures: f, reworkCount: rework, cycleTimeMs: cycle * 60_000 });
    expect(project.tasksSucceeded).toBe(1);
    expect(projectSignals(project).averageCycleTimeMs).toBe(cycle * 60_000);
  });

  it('project failure rate, fragile areas from repeated failures (bounded), plan deviation against the first plan', () => {
    const { project } = replay([
      ended(run('r1', 'failed', 0, 10)),
      ended(run('r2', 'failed', 10, 20)),
      ended(run('r3', 'succeeded', 20, 30)),
      ended(run('r4', 'succeeded', 30, 40)),
    ]);
    let p = learnFromPlan(project, { tasks: 10, added: 10, removed: 0, changed: 0 });
    p = learnFromPlan(p, { tasks: 11, added: 2, removed: 1, changed: 3 });
    const s = projectSignals(p);
    expect(s.failureRate).toBe(0.5);
    expect(s.planDeviation).toBeCloseTo(0.6);
    expect(s.fragileAreas).toEqual([
      { area: 'node:node-auth', failures: 2 },
      { area: 'path:src/auth/**', failures: 2 },
    ]);
    expect(projectSignals(emptyProjectLearning('p0'))).toEqual({
      projectId: 'p0',
      failureRate: 0,
      planDeviation: 0,
      fragileAreas: [],
    });

    let many = emptyProjectLearning('p1');
    let t = emptyTaskLearning('p1', 't1');
    for (let i = 0; i < MAX_AREAS + 20; i += 1) {
      const e: RunEnded = {
        run: run(`x${i}`, 'failed', 0, 1),
        task: { ...task, planNodeId: `n${i}`, scopePaths: [] },
        dependencySucceededAt: [],
      };
      ({ task: t, project: many } = learnFromRun(t, many, e));
    }
    expect(Object.keys(many.areaFailures).length).toBeLessThanOrEqual(MAX_AREAS);
  });
});

describe('learning signals: difficulty (0..1, easier first)', () => {
  const project = replay([
    ended(run('a1', 'succeeded', 0, 10, 1)),
    ended(run('a2', 'succeeded', 0, 10, 1)),
  ]).project;
  const history = (runs: RunEnded[]): TaskLearning => replay(runs).task;

  it.each([
    { name: 'no history, no project', t: undefined, p: undefined, areas: [], expected: 0.15 },
    { name: 'no history, project known', t: undefined, p: project, areas: [], expected: 0.15 },
    {
      name: 'one clean run at par',
      t: history([ended(run('r1', 'succeeded', 0, 10, 1))]),
      p: project,
      areas: [],
      expected: 0.15,
    },
    {
      name: 'one run 3x slower and 3x dearer',
      t: history([ended(run('r1', 'succeeded', 0, 30, 3))]),
      p: project,
      areas: [],
      expected: 0.15 * 0.75 * 2,
    },
    {
      name: 'failed twice in two runs',
      t: history([ended(run('r1', 'failed', 0, 10)), ended(run('r2', 'failed', 10, 20))]),
      p: project,
      areas: [],
      expected: 0.4 * (2 / 3) + 0.15 * (1 / 3) + 0.15,
    },
  ])('$name', ({ t, p, areas, expected }) => {
    expect(difficulty(t, p, areas)).toBeCloseTo(expected, 6);
  });

  it('a task in a fragile area is harder; every value stays within 0..1', () => {
    const fragile = replay([ended(run('f1', 'failed', 0, 10)), ended(run('f2', 'failed', 0, 10))]).project;
    const tasks = [
      { id: 'safe', planNodeId: 'node-ui', scopePaths: ['src/ui/**'] },
      { id: 'risky', planNodeId: 'node-ui', scopePaths: ['src/auth/**'] },
    ];
    const d = difficulties(tasks, new Map(), fragile);
    expect(d.get('safe')).toBeCloseTo(0.15);
    expect(d.get('risky')).toBeCloseTo(0.3);
    const worst = history(Array.from({ length: 10 }, (_, i) => ended(run(`w${i}`, 'failed', 0, 1000, 100))));
    const value = difficulty(worst, fragile, ['node:node-auth']);
    expect(value).toBeGreaterThan(0.8);
    expect(value).toBeLessThanOrEqual(1);
  });
});
