import type { Task } from '@autopilot/contracts';
import { recomputeReadiness, releasedBySuccess } from './readiness';
import { statuses, T1, task } from './task-fixtures.test-support';

/** The graph as stored, read only through the two lookups releasedBySuccess uses; counts what it read. */
function storedGraph(tasks: readonly Task[]) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const read = new Set<string>();
  return {
    read,
    dependantsOf: async (ids: readonly string[]) => {
      const found = tasks.filter((t) => t.dependsOn.some((d) => ids.includes(d)));
      for (const t of found) read.add(t.id);
      return found;
    },
    tasksById: async (ids: readonly string[]) => {
      for (const id of ids) read.add(id);
      return new Map(ids.filter((id) => byId.has(id)).map((id) => [id, byId.get(id) as Task]));
    },
  };
}

describe('releasedBySuccess', () => {
  it('readies the dependants whose every dependency succeeded, reading only them and their dependencies', async () => {
    const a = task('a', 'succeeded', [], { revision: 3 });
    const graph = storedGraph([
      task('a', 'running', [], { revision: 2 }),
      task('b', 'running'),
      task('c', 'blocked', ['a']),
      task('d', 'blocked', ['a', 'b']),
      task('e', 'cancelled', ['a']),
      task('far', 'blocked', ['z']),
      task('z', 'blocked'),
    ]);
    const changed = await releasedBySuccess(a, graph, T1);
    expect(changed.map((t) => [t.id, t.status, t.revision, t.updatedAt])).toEqual([['c', 'ready', 2, T1]]);
    expect([...graph.read].sort()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('settles a gate it releases at once and goes on to the gate’s dependants', async () => {
    const a = task('a', 'succeeded');
    const graph = storedGraph([
      task('a', 'running'),
      task('gate', 'blocked', ['a'], { gate: true }),
      task('after', 'blocked', ['gate']),
      task('both', 'blocked', ['gate', 'a']),
    ]);
    const changed = await releasedBySuccess(a, graph, T1);
    expect(statuses(changed)).toEqual({ gate: 'succeeded', after: 'ready', both: 'ready' });
    expect(changed.find((t) => t.id === 'gate')?.revision).toBe(2);
  });

  it('agrees with recomputeReadiness over the whole graph, success after success through a layered DAG', async () => {
    // Layers of 4; each task depends on two of the layer before; every third task of layer 2 is a gate.
    let tasks: Task[] = Array.from({ length: 16 }, (_, n) => {
      const layer = Math.floor(n / 4);
      const deps =
        layer === 0 ? [] : [`t${(layer - 1) * 4 + (n % 4)}`, `t${(layer - 1) * 4 + ((n + 1) % 4)}`];
      return task(
        `t${n}`,
        layer === 0 ? 'ready' : 'blocked',
        deps,
        layer === 2 && n % 3 === 0 ? { gate: true } : {},
      );
    });
    for (let step = 0; step < 16; step++) {
      const next = tasks.find((t) => t.status === 'ready');
      if (!next) break;
      const succeeded = { ...next, status: 'succeeded' as const, revision: next.revision + 1 };
      const whole = recomputeReadiness(
        tasks.map((t) => (t.id === next.id ? succeeded : t)),
        T1,
      );
      const local = await releasedBySuccess(succeeded, storedGraph(tasks), T1);
      expect(local).toEqual(whole.changed.filter((t) => t.id !== next.id));
      tasks = whole.tasks;
    }
    expect(tasks.every((t) => t.status === 'succeeded')).toBe(true);
  });
});
