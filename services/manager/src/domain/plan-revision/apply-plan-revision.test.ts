import type { Task, TaskSpec, TasksGeneratedV1 } from '@autopilot/contracts';
import { spec, statuses, T1, task } from '../task/task-fixtures.test-support';
import { applyPlanRevision, type PlanRevisionInput } from './apply-plan-revision';

const graph = (planRevision: number, tasks: TaskSpec[]): TasksGeneratedV1 => ({
  projectId: 'p1',
  planId: 'plan-1',
  planRevision,
  blueprintId: 'bp-1',
  blueprintVersion: planRevision,
  anchorId: 'anchor-1',
  tasks,
  generatedAt: T1,
});

const input = (tasks: Task[], g: TasksGeneratedV1): PlanRevisionInput => ({
  tasks,
  applied: { planId: 'plan-1', planRevision: 1 },
  graph: g,
  now: T1,
  maxAttempts: 3,
});

function applied(i: PlanRevisionInput) {
  const result = applyPlanRevision(i);
  if (result.kind !== 'applied') throw new Error(`expected applied, got ${result.reason}`);
  return result;
}

describe('applyPlanRevision', () => {
  it('creates the first graph blocked, then ready where nothing is awaited', () => {
    const r = applied({ ...input([], graph(1, [spec('a'), spec('b', ['a'])])), applied: undefined });
    expect(statuses(r.tasks)).toEqual({ a: 'ready', b: 'blocked' });
    expect(r.added).toEqual(['a', 'b']);
    expect(r.tasks[1]).toMatchObject({
      projectId: 'p1',
      attempts: 0,
      maxAttempts: 3,
      createdAt: T1,
      revision: 1,
    });
    expect(r.changed.map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('keeps the state of tasks whose spec did not change, and emits nothing for them', () => {
    const stored = [
      task('a', 'succeeded', [], { attempts: 1, branch: 'ap/a', lastRunId: 'r1' }),
      task('b', 'running', ['a'], { attempts: 2, currentRunId: 'r2' }),
      task('c', 'failed', ['a'], { attempts: 3, failure: { code: 'X', message: 'boom' } }),
    ];
    const r = applied(input(stored, graph(2, [spec('a'), spec('b', ['a']), spec('c', ['a'])])));
    expect(r.tasks).toEqual(stored);
    expect(r.changed).toEqual([]);
    expect(r.runsToCancel).toEqual([]);
  });

  it('starts a changed task over: its run cancelled, counters cleared, readiness recomputed', () => {
    const stored = [
      task('a', 'succeeded'),
      task('b', 'running', ['a'], { attempts: 2, currentRunId: 'r2', lastRunId: 'r2', revision: 5 }),
      task('c', 'succeeded', ['a'], { branch: 'ap/c', revision: 4 }),
      task('d', 'failed', ['c'], { attempts: 3, failure: { code: 'X', message: 'boom' } }),
    ];
    const r = applied(
      input(
        stored,
        graph(2, [
          spec('a'),
          spec('b', ['a'], { title: 'Do b differently' }),
          spec('c', ['a'], { validationCommands: [['npm', 'run', 'e2e']] }),
          spec('d', ['c'], { description: 'now with a description' }),
        ]),
      ),
    );
    expect(r.reset).toEqual(['b', 'c', 'd']);
    expect(r.runsToCancel).toEqual(['r2']);
    expect(statuses(r.tasks)).toEqual({ a: 'succeeded', b: 'ready', c: 'ready', d: 'blocked' });
    const b = r.tasks[1] as Task;
    expect(b).toMatchObject({ title: 'Do b differently', attempts: 0, lastRunId: 'r2' });
    expect(b.currentRunId).toBeUndefined();
    expect('failure' in (r.tasks[3] as Task)).toBe(false);
    expect('branch' in (r.tasks[2] as Task)).toBe(false);
    expect(b.revision).toBeGreaterThan(5);
  });

  it('keeps state when only priority, risk or dependencies change, and re-checks readiness', () => {
    const stored = [
      task('a', 'succeeded'),
      task('n', 'running'),
      task('b', 'ready', ['a'], { priority: 5, risk: 'high' }),
      task('c', 'succeeded', ['a']),
    ];
    const r = applied(
      input(stored, graph(2, [spec('a'), spec('n'), spec('b', ['a', 'n'], { risk: 'low' }), spec('c', [])])),
    );
    expect(r.rescheduled).toEqual(['b', 'c']);
    expect(r.reset).toEqual([]);
    expect(statuses(r.tasks)).toEqual({ a: 'succeeded', n: 'running', b: 'blocked', c: 'succeeded' });
    const b = r.tasks[2] as Task;
    expect(b.risk).toBe('low');
    expect('priority' in b).toBe(false);
  });

  it('cancels removed tasks (a run in flight too), keeps a finished one as it ended, and appends them', () => {
    const stored = [
      task('a', 'succeeded'),
      task('gone-queued', 'queued', [], { currentRunId: 'r9' }),
      task('gone-done', 'succeeded'),
      task('gone-blocked', 'blocked', ['a']),
    ];
    const r = applied(input(stored, graph(2, [spec('a'), spec('new', ['a'])])));
    expect(r.removed).toEqual(['gone-queued', 'gone-done', 'gone-blocked']);
    expect(r.runsToCancel).toEqual(['r9']);
    expect(statuses(r.tasks)).toEqual({
      a: 'succeeded',
      new: 'ready',
      'gone-queued': 'cancelled',
      'gone-done': 'succeeded',
      'gone-blocked': 'cancelled',
    });
    expect(r.tasks.find((t) => t.id === 'gone-queued')).toMatchObject({
      failure: { code: 'MANAGER_TASK_REMOVED', message: 'no longer in plan plan-1 revision 2' },
    });
    expect(r.changed.map((t) => t.id).sort()).toEqual(['gone-blocked', 'gone-queued', 'new']);
  });

  it('treats an older or repeated revision of the same plan as a replay', () => {
    const stored = [task('a', 'ready')];
    expect(applyPlanRevision({ ...input(stored, graph(1, [])) })).toEqual({
      kind: 'stale',
      reason: 'plan plan-1 revision 1 is not newer than the applied revision 1',
    });
  });

  it('refuses a graph with a missing dependency, a cycle, a duplicate or another project, naming the task', () => {
    expect(() => applyPlanRevision(input([], graph(2, [spec('a', ['zz'])])))).toThrow(
      'task a depends on zz, which is no task of the graph',
    );
    expect(() => applyPlanRevision(input([], graph(2, [spec('a', ['b']), spec('b', ['a'])])))).toThrow(
      'task a is on a dependency cycle',
    );
    expect(() => applyPlanRevision(input([], graph(2, [spec('a'), spec('a')])))).toThrow(
      'task a appears twice in the task graph',
    );
    expect(() =>
      applyPlanRevision(input([task('x', 'ready', [], { projectId: 'p2' })], graph(2, [spec('x')]))),
    ).toThrow('task x belongs to project p2, not p1');
  });
});
