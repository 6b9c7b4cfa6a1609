import {
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

/** The dependants index StoreTaskGraphRepository keeps with every task write (what a success reads instead of the graph). */
describe('the task dependants index (SQLite store)', () => {
  let f: ManagerFixture;
  beforeEach(async () => {
    f = await openManagerFixture();
  });
  afterEach(() => f.close());

  const dependantsOf = async (projectId: string, ...ids: string[]): Promise<string[]> =>
    (await f.graphs.dependantsOf(projectId, ids)).map((t) => t.value.id).sort();

  it('follows the dependencies of every plan revision, per project', async () => {
    await f.applyGraph.execute(
      tasksGenerated('p1', [taskSpec('a'), taskSpec('b', ['a']), taskSpec('c', ['a', 'b']), taskSpec('d')]),
    );
    await f.applyGraph.execute(tasksGenerated('p2', [taskSpec('a'), taskSpec('x', ['a'])]));
    expect(await dependantsOf('p1', 'a')).toEqual(['b', 'c']);
    expect(await dependantsOf('p1', 'a', 'b')).toEqual(['b', 'c']);
    expect(await dependantsOf('p1', 'd')).toEqual([]);
    expect(await dependantsOf('p2', 'a')).toEqual(['x']);

    // Revision 2: c no longer needs a but needs d; b is removed (cancelled, its edge stays harmless).
    await f.applyGraph.execute(
      tasksGenerated('p1', [taskSpec('a'), taskSpec('c', ['d']), taskSpec('d')], { planRevision: 2 }),
    );
    expect(await dependantsOf('p1', 'd')).toEqual(['c']);
    expect(await dependantsOf('p1', 'a')).not.toContain('c');
    expect([...(await f.graphs.tasksById('p1', ['a', 'c', 'nope'])).keys()].sort()).toEqual(['a', 'c']);
  });
});
