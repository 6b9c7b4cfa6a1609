import {
  PlannerAnnouncePlanV1,
  tasksGeneratedChange,
  TaskUpdatedV1,
  type Envelope,
  type TaskSpec,
  type TasksGeneratedV1,
} from '@autopilot/contracts';
import { seededRandom } from '@autopilot/testing';
import {
  createProjectCommand,
  openManagerFixture,
  taskSpec,
  tasksGenerated,
  type ManagerFixture,
} from '../testing/manager-fixture';

/** Revision `planRevision` of p1's plan: `specs` with their sections laid out 5 lines each, in order. */
function revision(planRevision: number, specs: readonly TaskSpec[]): TasksGeneratedV1 {
  return tasksGenerated(
    'p1',
    specs.map((spec, i) => ({ ...spec, source: { startLine: 1 + 5 * i, endLine: 5 + 5 * i } })),
    { planRevision, generatedAt: `2026-03-0${planRevision}T09:00:00.000Z` },
  );
}

/**
 * The next revision of `graph`, changed at random: tasks dropped (and dependencies on them), titles
 * changed, tasks inserted; the sections of the tasks after a change move.
 */
function changedAtRandom(rand: () => number, graph: TasksGeneratedV1): TasksGeneratedV1 {
  const planRevision = graph.planRevision + 1;
  const specs: TaskSpec[] = [];
  for (const task of graph.tasks) {
    const roll = rand();
    if (roll < 0.05) continue;
    const { source: _moved, ...spec } = task;
    specs.push(roll < 0.1 ? { ...spec, title: `${spec.title}, revised` } : spec);
    if (rand() < 0.05) {
      const earlier = specs[Math.floor(rand() * specs.length)]!.id;
      specs.push(taskSpec(`${task.id}-after-${planRevision}`, [earlier]));
    }
  }
  const kept = new Set(specs.map((s) => s.id));
  return revision(
    planRevision,
    specs.map((s) => ({ ...s, dependsOn: s.dependsOn.filter((id) => kept.has(id)) })),
  );
}

function randomGraph(rand: () => number, size: number): TasksGeneratedV1 {
  const specs: TaskSpec[] = [];
  for (let i = 0; i < size; i++) {
    const dependsOn = i > 0 && rand() < 0.6 ? [specs[Math.floor(rand() * i)]!.id] : [];
    specs.push(taskSpec(`t${i}`, dependsOn));
  }
  return revision(1, specs);
}

const announcements = (outbox: readonly Envelope[]): Envelope[] =>
  outbox.filter((e) => e.type === PlannerAnnouncePlanV1.type);

describe('ApplyTaskGraphChangeUseCase (SQLite store)', () => {
  let f: ManagerFixture;
  let whole: ManagerFixture;
  beforeEach(async () => {
    f = await openManagerFixture();
    whole = await openManagerFixture();
    for (const fixture of [f, whole]) await fixture.commands.create(createProjectCommand('p1'));
  });
  afterEach(async () => {
    await f.close();
    await whole.close();
  });

  /** What the fixture stored and announced: its tasks as stored, and every envelope it appended. */
  const state = async (fixture: ManagerFixture) => ({
    tasks: [...(await fixture.graphs.load('p1')).tasks.values()],
    applied: (await fixture.graphs.load('p1')).applied,
    outbox: await fixture.outbox(),
  });

  it('applies a change to the graph it holds exactly as the whole revision', async () => {
    const rev1 = revision(1, [
      taskSpec('a'),
      taskSpec('b', ['a']),
      taskSpec('c'),
      taskSpec('d', ['c']),
      taskSpec('e'),
      taskSpec('f', ['e']),
    ]);
    // x inserted before c (c onwards move 5 lines), c's work changed, e removed, g added.
    const rev2 = revision(2, [
      taskSpec('a'),
      taskSpec('b', ['a']),
      taskSpec('x'),
      taskSpec('c', [], { title: 'Do c better' }),
      taskSpec('d', ['c']),
      taskSpec('f'),
      taskSpec('g', ['x']),
    ]);
    const change = tasksGeneratedChange(rev1, rev2);
    expect(change.tasks).toEqual([
      { keep: { from: 0, count: 2 } },
      expect.objectContaining({ id: 'x' }),
      expect.objectContaining({ id: 'c' }),
      { keep: { from: 3, count: 1, lineShift: 5 } },
      expect.objectContaining({ id: 'f' }),
      expect.objectContaining({ id: 'g' }),
    ]);

    await f.applyGraph.execute(rev1);
    const outcome = await f.applyGraphChange.execute(change, 'job-2');
    await whole.applyGraph.execute(rev1);
    await whole.applyGraph.execute(rev2);

    expect(outcome).toMatchObject({ kind: 'applied', whole: rev2, result: { kind: 'applied' } });
    const got = await state(f);
    expect(got).toEqual(await state(whole));
    expect(got.applied).toEqual({ planId: 'plan-p1', planRevision: 2 });
    expect(
      got.outbox
        .filter((e) => e.type === TaskUpdatedV1.type)
        .slice(6)
        .map((e) => (e.data as TaskUpdatedV1).id),
    ).toEqual(['x', 'c', 'f', 'g', 'e']);
    expect(announcements(got.outbox)).toEqual([]);
    expect(f.heldGraphs.get('plan-p1')).toEqual(rev2);
  });

  it.each([1, 7, 42])('applies random changes in a row as the whole revisions (seed %i)', async (seed) => {
    const rand = seededRandom(seed);
    const revisions = [randomGraph(rand, 150)];
    for (let i = 0; i < 3; i++) revisions.push(changedAtRandom(rand, revisions[revisions.length - 1]!));

    await f.applyGraph.execute(revisions[0]!);
    await whole.applyGraph.execute(revisions[0]!);
    for (let i = 1; i < revisions.length; i++) {
      const change = tasksGeneratedChange(revisions[i - 1]!, revisions[i]!);
      expect(change.tasks.some((t) => 'keep' in t)).toBe(true);
      expect((await f.applyGraphChange.execute(change, undefined)).kind).toBe('applied');
      await whole.applyGraph.execute(revisions[i]!);
    }
    expect(await state(f)).toEqual(await state(whole));
  });

  it('asks the planner for the revision whole when it holds no base, changing no task; the answer then serves as base', async () => {
    const rev1 = revision(1, [taskSpec('a'), taskSpec('b', ['a'])]);
    const rev2 = revision(2, [taskSpec('a'), taskSpec('b', ['a']), taskSpec('c')]);
    const rev3 = revision(3, [taskSpec('a'), taskSpec('b', ['a'], { title: 'Do b again' }), taskSpec('c')]);

    const outcome = await f.applyGraphChange.execute(tasksGeneratedChange(rev1, rev2), 'job-2');
    expect(outcome).toEqual({ kind: 'asked', reason: 'its base revision is not held' });
    const asked = await f.outbox();
    expect(asked.filter((e) => e.type === TaskUpdatedV1.type)).toEqual([]);
    expect(announcements(asked)).toEqual([
      expect.objectContaining({
        source: 'manager',
        projectId: 'p1',
        correlationId: 'job-2',
        data: { projectId: 'p1', planId: 'plan-p1', revision: 2, jobId: 'job-2' },
      }),
    ]);
    const graph = await f.graphs.load('p1');
    expect(graph.tasks.size).toBe(0);
    expect(graph.applied).toBeUndefined();
    expect(f.logs).toContainEqual({
      level: 'info',
      message: expect.stringContaining('asked the planner'),
      fields: expect.objectContaining({ planId: 'plan-p1', planRevision: 2, baseRevision: 1 }),
    });

    // The planner's answer: revision 2 whole (v1). The next change is told against it.
    await f.applyGraph.execute(rev2);
    expect((await f.applyGraphChange.execute(tasksGeneratedChange(rev2, rev3), 'job-3')).kind).toBe(
      'applied',
    );
    await whole.applyGraph.execute(rev2);
    await whole.applyGraph.execute(rev3);
    const got = await state(f);
    expect(got.applied).toEqual({ planId: 'plan-p1', planRevision: 3 });
    expect(got.tasks).toEqual((await state(whole)).tasks);
    expect(announcements(got.outbox)).toHaveLength(1);
  });

  it('after a restart, asks for its base, holds the answer though it was applied already, then applies the next change', async () => {
    const rev1 = revision(1, [taskSpec('a')]);
    const rev2 = revision(2, [taskSpec('a'), taskSpec('b')]);
    const rev3 = revision(3, [taskSpec('a'), taskSpec('b'), taskSpec('c', ['b'])]);
    await f.applyGraph.execute(rev1);
    await f.applyGraph.execute(rev2);

    const restarted = f.graphsOfNewProcess();
    const change = tasksGeneratedChange(rev2, rev3);
    expect((await restarted.applyGraphChange.execute(change, 'job-3')).kind).toBe('asked');
    // The planner's answer is revision 3 whole, were it stored already; here it is still revision 2.
    expect((await restarted.applyGraph.execute(rev2)).kind).toBe('stale');
    expect(restarted.heldGraphs.get('plan-p1')).toEqual(rev2);
    expect((await restarted.applyGraphChange.execute(change, 'job-3')).kind).toBe('applied');

    expect((await f.graphs.load('p1')).applied).toEqual({ planId: 'plan-p1', planRevision: 3 });
    expect(
      Object.fromEntries([...(await f.graphs.load('p1')).tasks].map(([id, t]) => [id, t.value.status])),
    ).toEqual({ a: 'ready', b: 'ready', c: 'blocked' });
    expect(announcements(await f.outbox()).map((e) => e.data)).toEqual([
      { projectId: 'p1', planId: 'plan-p1', revision: 3, jobId: 'job-3' },
    ]);
  });

  it('asks again when the change is told against another revision than the one held', async () => {
    const rev1 = revision(1, [taskSpec('a'), taskSpec('b')]);
    const rev2 = revision(2, [taskSpec('a'), taskSpec('b'), taskSpec('c')]);
    await f.applyGraph.execute(rev1);
    const before = await state(f);

    // The same revision number generated at another time (a planner whose store was reset).
    const otherBase = { ...rev1, generatedAt: '2026-03-09T09:00:00.000Z' };
    const outcome = await f.applyGraphChange.execute(tasksGeneratedChange(otherBase, rev2), 'job-2');
    expect(outcome).toMatchObject({
      kind: 'asked',
      reason: expect.stringContaining('2026-03-09T09:00:00.000Z'),
    });
    // A change whose kept run does not fit the graph held.
    const tooLong = { ...tasksGeneratedChange(rev1, rev2), tasks: [{ keep: { from: 0, count: 5 } }] };
    expect(await f.applyGraphChange.execute(tooLong, 'job-2')).toMatchObject({
      kind: 'asked',
      reason: expect.stringContaining('past the base'),
    });

    const after = await state(f);
    expect(after.tasks).toEqual(before.tasks);
    expect(announcements(after.outbox).map((e) => e.data)).toEqual([
      { projectId: 'p1', planId: 'plan-p1', revision: 2, jobId: 'job-2' },
      { projectId: 'p1', planId: 'plan-p1', revision: 2, jobId: 'job-2' },
    ]);
    expect(f.logs.filter((l) => l.message.includes('asked the planner'))).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ heldRevision: 1, baseRevision: 1 }) }),
      expect.objectContaining({ fields: expect.objectContaining({ heldRevision: 1 }) }),
    ]);
  });

  it('does not hold a graph it refused', async () => {
    const cyclic = revision(1, [taskSpec('a', ['b']), taskSpec('b', ['a'])]);
    await expect(f.applyGraph.execute(cyclic)).rejects.toMatchObject({ code: 'BUS_NON_RETRYABLE' });
    expect(f.heldGraphs.get('plan-p1')).toBeUndefined();
    const rev2 = revision(2, [taskSpec('a'), taskSpec('b')]);
    expect((await f.applyGraphChange.execute(tasksGeneratedChange(cyclic, rev2), undefined)).kind).toBe(
      'asked',
    );
    const asked = announcements(await f.outbox());
    expect(asked.map((e) => e.data)).toEqual([{ projectId: 'p1', planId: 'plan-p1', revision: 2 }]);
    expect(asked[0]!.correlationId).toBeUndefined();
  });
});
