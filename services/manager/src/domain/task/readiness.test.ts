import { hasCode } from '@autopilot/kernel';
import { dependencyOrder } from './dependency-order';
import { recomputeReadiness } from './readiness';
import { statuses, T1, task } from './task-fixtures.test-support';

describe('recomputeReadiness', () => {
  it('makes a task ready only when every dependency succeeded', () => {
    const { tasks, changed } = recomputeReadiness(
      [
        task('a', 'succeeded'),
        task('b', 'running'),
        task('c', 'blocked', ['a']),
        task('d', 'blocked', ['a', 'b']),
        task('e', 'ready', ['b']),
      ],
      T1,
    );
    expect(statuses(tasks)).toEqual({ a: 'succeeded', b: 'running', c: 'ready', d: 'blocked', e: 'blocked' });
    expect(changed.map((t) => [t.id, t.status, t.revision, t.updatedAt])).toEqual([
      ['c', 'ready', 2, T1],
      ['e', 'blocked', 2, T1],
    ]);
  });

  it('leaves dependants of a failed task blocked', () => {
    const { tasks } = recomputeReadiness([task('a', 'failed'), task('b', 'blocked', ['a'])], T1);
    expect(statuses(tasks)).toEqual({ a: 'failed', b: 'blocked' });
  });

  it('settles a gate at once and readies its dependants in the same pass, whatever the input order', () => {
    const { tasks, changed } = recomputeReadiness(
      [
        task('after', 'blocked', ['gate']),
        task('gate', 'blocked', ['a'], { gate: true }),
        task('a', 'succeeded'),
      ],
      T1,
    );
    expect(statuses(tasks)).toEqual({ after: 'ready', gate: 'succeeded', a: 'succeeded' });
    expect(changed.find((t) => t.id === 'gate')?.revision).toBe(2);
  });

  it('refuses a cycle or a missing dependency, naming the task', () => {
    expect(() =>
      dependencyOrder([
        { id: 'x', dependsOn: ['y'] },
        { id: 'y', dependsOn: ['x'] },
      ]),
    ).toThrow('task x is on a dependency cycle');
    expect(() => recomputeReadiness([task('x', 'blocked', ['ghost'])], T1)).toThrow(
      'task x depends on ghost, which is no task of the graph',
    );
    let caught: unknown;
    try {
      dependencyOrder([{ id: 'x', dependsOn: ['x'] }]);
    } catch (e) {
      caught = e;
    }
    expect(hasCode(caught, 'MANAGER_INVALID_TASK_GRAPH')).toBe(true);
  });
});
