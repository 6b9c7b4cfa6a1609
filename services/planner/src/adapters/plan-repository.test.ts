import type { Collection, Doc, DocumentStore } from '@autopilot/store';
import { FakeClock, seededRandom } from '@autopilot/testing';
import type { StoredPlan, StoredPlanHead, StoredPlanNode, StoredTask } from '../app/ports';
import { planBlueprint } from '../app/plan-blueprint';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { SHOP_PLAN } from '../testing/sample-plans';
import { StoredPositionsMismatchError } from './plan-positions';
import { sameJson } from '../domain/same-json';
import { StorePlanRepository } from './plan-repository';

/** `store`, with the collection of every upsert made in a transaction recorded in `upserts`. */
function recordingUpserts(store: DocumentStore): { store: DocumentStore; upserts: string[] } {
  const upserts: string[] = [];
  // Methods are bound to the real object: a store's classes may keep private state.
  const delegate = <T extends object>(target: T, own: Partial<T>): T =>
    new Proxy(target, {
      get: (t, key) => {
        if (key in own) return own[key as keyof T];
        const value: unknown = Reflect.get(t, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
  const recorded = <T extends Doc>(name: string, collection: Collection<T>): Collection<T> =>
    delegate(collection, {
      upsert: (doc: T) => {
        upserts.push(name);
        return collection.upsert(doc);
      },
    });
  return {
    upserts,
    store: delegate(store, {
      transaction: (fn) =>
        store.transaction((tx) =>
          fn({ collection: <T extends Doc>(name: string) => recorded(name, tx.collection<T>(name)) }),
        ),
    }),
  };
}

/** Each node and task by id, as the JSON text it serialises to: equal texts mean equal values in the same key order. */
function asJsonById(plan: StoredPlan): Map<string, string> {
  const json = new Map<string, string>();
  for (const [id, n] of plan.nodes) json.set(`node ${id}`, JSON.stringify(n));
  for (const [id, t] of plan.tasks) json.set(`task ${id}`, JSON.stringify(t));
  return json;
}

/** SHOP_PLAN with two more lines in its introduction (no node): every node and task moves, none changes. */
const SHOP_PLAN_MOVED = SHOP_PLAN.replace(
  'This intro is context, not a phase.',
  'This intro is context, not a phase.\n\nIt was written in 2015.',
);

/** Every document of the plan collections, as JSON text by collection and id. */
async function planDocuments(store: DocumentStore): Promise<Map<string, string>> {
  const docs = new Map<string, string>();
  for (const name of ['plans', 'plan_nodes', 'task_specs', 'plan_positions']) {
    const page = await store.collection(name).find({}, { limit: 1000 });
    for (const doc of page.items) docs.set(`${name}/${doc._id}`, JSON.stringify(doc));
  }
  return docs;
}

/** A synthetic plan revision: a node and a task per story, where the story starts. */
function syntheticPlan(
  revision: number,
  stories: readonly { id: string; title: string; start: number }[],
): { head: StoredPlanHead; nodes: StoredPlanNode[]; tasks: StoredTask[] } {
  const nodes = stories.map((s): StoredPlanNode => ({
    node: {
      id: `node-${s.id}`,
      kind: 'story',
      title: s.title,
      start: s.start,
      end: s.start + 10,
      startLine: s.start + 1,
      endLine: s.start + 2,
      priority: 0,
      risk: 'low',
      status: 'planned',
      taskIds: [`task-${s.id}`],
    },
    sources: [],
    factsVersion: 1,
  }));
  const tasks = stories.map((s): StoredTask => ({
    task: {
      id: `task-${s.id}`,
      title: s.title,
      kind: 'code',
      planNodeId: `node-${s.id}`,
      dependsOn: [],
      scopePaths: [],
      validationCommands: [],
      source: { startLine: s.start + 1, endLine: s.start + 2 },
    },
  }));
  const head: StoredPlanHead = {
    planId: 'plan-synthetic',
    projectId: 'proj-1',
    blueprintId: 'bp-1',
    blueprintVersion: revision,
    blueprintDigest: `d${revision}`,
    revision,
    generatedAt: `2026-12-01T00:00:${String(revision).padStart(2, '0')}.000Z`,
    anchor: { id: 'anchor-1', formatVersion: 1, text: 'Ship it.', pivots: [] },
    nodeCount: nodes.length,
    taskCount: tasks.length,
  };
  return { head, nodes, tasks };
}

describe('StorePlanRepository', () => {
  let fixture: PlannerStoreFixture;
  beforeEach(async () => {
    fixture = await plannerStoreFixture();
  });
  afterEach(() => fixture.dispose());

  it('loads the plan it committed last without reading it back, and any other plan from the store', async () => {
    const deps = planDeps(fixture.store);
    const v1 = markdownBlueprint(SHOP_PLAN);
    const planned = await planBlueprint(v1, deps);
    const planId = planned.plan!.planId;
    const first = await deps.plans.load(planId);
    expect(await deps.plans.load(planId)).toBe(first);

    // Another repository over the same store (another planner process) reads it from the store,
    // equal to what was committed; once it commits revision 2, the first one reads that revision.
    const other = new StorePlanRepository(fixture.store, new FakeClock());
    const read = await other.load(planId);
    expect(read).not.toBe(first);
    const byId = <T>(map: ReadonlyMap<string, T>) => Object.fromEntries(map);
    expect(sameJson(byId(read!.tasks), byId(first!.tasks))).toBe(true);
    expect(sameJson(byId(read!.nodes), byId(first!.nodes))).toBe(true);
    // The same JSON text too, so key order included: check-plans-against-repo compares tasks so.
    expect(asJsonById(read!)).toEqual(asJsonById(first!));
    const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
    await planBlueprint(v2, { ...deps, plans: other });
    const after = await deps.plans.load(planId);
    expect(after?.head.revision).toBe(2);
    expect(after).not.toBe(first);
  });

  it('writes what a repository reading the store writes, when it re-plans over the plan it remembers', async () => {
    // The same re-plans through a repository that remembers its last commit (the layout it wrote, its
    // members) and through a new repository each time, which reads the previous revision back.
    const other = await plannerStoreFixture();
    try {
      const remembering = recordingUpserts(fixture.store);
      const reading = recordingUpserts(other.store);
      const repository = new StorePlanRepository(remembering.store, new FakeClock());
      const next = seededRandom(5);
      let stories = Array.from({ length: 300 }, (_, i) => ({
        id: `s${i}`,
        title: `Story ${i}`,
        start: i * 20,
      }));
      let previous: ReturnType<typeof syntheticPlan> | undefined;
      for (let revision = 1; revision <= 12; revision++) {
        // A story retitled, one added, one dropped, and those after a point moved.
        const at = Math.floor(next() * stories.length);
        const shift = Math.floor(next() * 30) - 10;
        stories = stories.map((s, i) => (i >= at ? { ...s, start: s.start + shift } : s));
        stories[Math.floor(next() * stories.length)]!.title += ' (edited)';
        if (next() < 0.5) stories.splice(at, 0, { id: `new${revision}`, title: 'New', start: -revision });
        if (next() < 0.5) stories.splice(Math.floor(next() * stories.length), 1);
        const plan = syntheticPlan(revision, stories);
        // The members the planner kept are the identical objects of the last planning.
        if (previous) {
          const { nodes, tasks } = previous;
          const sameNode = new Map(nodes.map((n) => [JSON.stringify(n), n]));
          const sameTask = new Map(tasks.map((t) => [JSON.stringify(t), t]));
          plan.nodes = plan.nodes.map((n) => sameNode.get(JSON.stringify(n)) ?? n);
          plan.tasks = plan.tasks.map((t) => sameTask.get(JSON.stringify(t)) ?? t);
        }
        remembering.upserts.length = 0;
        reading.upserts.length = 0;
        await repository.commit(plan, await repository.load(plan.head.planId), []);
        const fresh = new StorePlanRepository(reading.store, new FakeClock());
        await fresh.commit(plan, await fresh.load(plan.head.planId), []);
        expect(remembering.upserts).toEqual(reading.upserts);
        expect(await planDocuments(fixture.store)).toEqual(await planDocuments(other.store));
        previous = plan;
      }
    } finally {
      await other.dispose();
    }
  });

  it('rewrites only the buckets a re-plan changed', async () => {
    const deps = planDeps(fixture.store);
    const v1 = markdownBlueprint(SHOP_PLAN);
    await planBlueprint(v1, deps);
    const bucketDocs = async () =>
      new Map(
        (await fixture.store.collection('task_specs').find({}, { limit: 1000 })).items.map((d) => [
          d._id,
          JSON.stringify(d),
        ]),
      );
    const before = await bucketDocs();
    const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
    await planBlueprint(v2, deps);
    const after = await bucketDocs();
    const changed = [...after].filter(([id, doc]) => before.get(id) !== doc);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(after.size);
  });

  it('stores positions apart: a re-plan that only moves nodes and tasks rewrites the positions, no bucket', async () => {
    const recording = recordingUpserts(fixture.store);
    const deps = planDeps(recording.store);
    const v1 = markdownBlueprint(SHOP_PLAN);
    const planId = (await planBlueprint(v1, deps)).plan!.planId;
    const first = (await deps.plans.load(planId))!;
    recording.upserts.length = 0;

    const v2 = markdownBlueprint(SHOP_PLAN_MOVED, { previous: v1 });
    expect((await planBlueprint(v2, deps)).plan?.revision).toBe(2);
    expect(recording.upserts.filter((name) => name.startsWith('plan'))).toEqual(['plan_positions']);
    expect(recording.upserts).not.toContain('task_specs');

    // The positions did change, and a repository reading the store sees them as committed.
    const committed = (await deps.plans.load(planId))!;
    const moved = [...committed.nodes.values()].filter(
      (n) => n.node.start !== first.nodes.get(n.node.id)?.node.start,
    );
    expect(moved.length).toBeGreaterThan(0);
    const tasksMoved = [...committed.tasks.values()].filter(
      (t) => t.task.source?.startLine !== first.tasks.get(t.task.id)?.task.source?.startLine,
    );
    expect(tasksMoved.length).toBeGreaterThan(0);
    const read = (await new StorePlanRepository(fixture.store, new FakeClock()).load(planId))!;
    expect(asJsonById(read)).toEqual(asJsonById(committed));

    // Buckets hold no positions: every node of a bucket starts at 0 there.
    const buckets = await fixture.store
      .collection<Doc & { nodes: StoredPlanNode[] }>('plan_nodes')
      .find({ planId }, { limit: 1000 });
    const starts = buckets.items.flatMap((b) =>
      b.nodes.flatMap((n) => [n.node.start, ...n.sources.map((s) => s.start)]),
    );
    expect(new Set(starts)).toEqual(new Set([0]));
  });

  it('loads a plan stored before positions were kept apart, and rewrites it in the current form on its next commit', async () => {
    const deps = planDeps(fixture.store);
    const v1 = markdownBlueprint(SHOP_PLAN);
    const planId = (await planBlueprint(v1, deps)).plan!.planId;
    const committed = (await deps.plans.load(planId))!;
    // The previous release's form: buckets holding whole members, positions included; no positions document.
    const nodeBuckets = fixture.store.collection<Doc & { nodes: StoredPlanNode[] }>('plan_nodes');
    for (const bucket of (await nodeBuckets.find({ planId }, { limit: 1000 })).items)
      await nodeBuckets.upsert({
        ...bucket,
        nodes: bucket.nodes.map((n) => committed.nodes.get(n.node.id)!),
      });
    const taskBuckets = fixture.store.collection<Doc & { tasks: StoredTask[] }>('task_specs');
    for (const bucket of (await taskBuckets.find({ planId }, { limit: 1000 })).items)
      await taskBuckets.upsert({
        ...bucket,
        tasks: bucket.tasks.map((t) => committed.tasks.get(t.task.id)!),
      });
    expect(await fixture.store.collection('plan_positions').delete(planId)).toBe(true);

    const restarted = new StorePlanRepository(fixture.store, new FakeClock());
    expect(asJsonById((await restarted.load(planId))!)).toEqual(asJsonById(committed));

    // Its next commit (a re-plan that changes one section) rewrites every bucket, positions apart.
    const recording = recordingUpserts(fixture.store);
    const upgrading = new StorePlanRepository(recording.store, new FakeClock());
    const v2 = markdownBlueprint(SHOP_PLAN_MOVED, { previous: v1 });
    await planBlueprint(v2, { ...deps, plans: upgrading });
    const bucketCount = (await nodeBuckets.count({ planId })) + (await taskBuckets.count({ planId }));
    expect(recording.upserts.filter((name) => name === 'plan_nodes' || name === 'task_specs')).toHaveLength(
      bucketCount,
    );
    expect(recording.upserts.filter((name) => name === 'plan_positions')).toHaveLength(1);
    const upgraded = (await upgrading.load(planId))!;
    const read = (await new StorePlanRepository(fixture.store, new FakeClock()).load(planId))!;
    expect(asJsonById(read)).toEqual(asJsonById(upgraded));
    const starts = (await nodeBuckets.find({ planId }, { limit: 1000 })).items.flatMap((b) =>
      b.nodes.map((n) => n.node.start),
    );
    expect(new Set(starts)).toEqual(new Set([0]));
  });

  it('refuses a plan whose positions do not fit its buckets', async () => {
    const deps = planDeps(fixture.store);
    const planId = (await planBlueprint(markdownBlueprint(SHOP_PLAN), deps)).plan!.planId;
    const positions = fixture.store.collection<Doc & { nodes: number[][] }>('plan_positions');
    const doc = (await positions.get(planId))!;
    const bucket = doc.nodes.findIndex((list) => list.length > 0);
    await positions.upsert({
      ...doc,
      nodes: doc.nodes.map((list, b) => (b === bucket ? list.slice(1) : list)),
    });
    await expect(new StorePlanRepository(fixture.store, new FakeClock()).load(planId)).rejects.toThrow(
      StoredPositionsMismatchError,
    );
  });
});
