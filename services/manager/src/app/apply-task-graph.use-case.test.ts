import { TaskUpdatedV1, type Task } from '@autopilot/contracts';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

describe('ApplyTaskGraphUseCase (SQLite store)', () => {
  let f: ManagerFixture;
  beforeEach(async () => {
    f = await openManagerFixture();
  });
  afterEach(() => f.close());

  const updates = async (): Promise<Task[]> =>
    (await f.outbox()).filter((e) => e.type === TaskUpdatedV1.type).map((e) => e.data as Task);
  const statuses = async (projectId: string): Promise<Record<string, string>> =>
    Object.fromEntries(
      [...(await f.graphs.load(projectId)).tasks.values()].map((t) => [t.value.id, t.value.status]),
    );

  it('stores the graph with readiness, one task.updated per task, and asks for a tick', async () => {
    await f.commands.create(createProjectCommand('p1'));
    const before = f.tickRequests();
    await f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a'), taskSpec('b', ['a']), taskSpec('c')]));
    expect(await statuses('p1')).toEqual({ a: 'ready', b: 'blocked', c: 'ready' });
    expect((await updates()).map((t) => [t.id, t.status])).toEqual([
      ['a', 'ready'],
      ['b', 'blocked'],
      ['c', 'ready'],
    ]);
    expect(f.tickRequests()).toBe(before + 1);
    expect((await f.graphs.load('p1')).applied).toEqual({ planId: 'plan-p1', planRevision: 1 });
  });

  it('changes nothing for a revision already applied, and keeps unchanged tasks on a new one', async () => {
    await f.commands.create(createProjectCommand('p1'));
    const v1 = tasksGenerated('p1', [taskSpec('a'), taskSpec('b', ['a'])]);
    await f.applyGraph.execute(v1);
    const count = (await f.outbox()).length;
    expect((await f.applyGraph.execute(v1)).kind).toBe('stale');
    expect((await f.outbox()).length).toBe(count);

    // Revision 2: a unchanged, b's work changed, c added.
    const v2 = tasksGenerated(
      'p1',
      [taskSpec('a'), taskSpec('b', ['a'], { title: 'Do b better' }), taskSpec('c')],
      {
        planRevision: 2,
      },
    );
    const result = await f.applyGraph.execute(v2);
    expect(result).toMatchObject({ kind: 'applied', added: ['c'], reset: ['b'] });
    expect((await updates()).slice(2).map((t) => t.id)).toEqual(['b', 'c']);
    expect(await statuses('p1')).toEqual({ a: 'ready', b: 'blocked', c: 'ready' });
  });

  it('holds the tasks of a project that does not exist yet: stored, no tick, a log line', async () => {
    await f.applyGraph.execute(tasksGenerated('later', [taskSpec('a')]));
    expect(await statuses('later')).toEqual({ a: 'ready' });
    expect(f.tickRequests()).toBe(0);
    expect(f.logs).toContainEqual(
      expect.objectContaining({ level: 'info', message: expect.stringContaining('does not exist yet') }),
    );
  });

  it('refuses a graph it cannot schedule (a cycle) with a non-retryable error, storing nothing', async () => {
    await expect(
      f.applyGraph.execute(tasksGenerated('p1', [taskSpec('a', ['b']), taskSpec('b', ['a'])])),
    ).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
      message: expect.stringMatching(/^tasks.generated for project p1, plan plan-p1 revision 1: task . /),
    });
    expect((await f.graphs.load('p1')).tasks.size).toBe(0);
    expect(await f.outbox()).toEqual([]);
  });
});
