import { FakeClock } from '@autopilot/testing';
import { planBlueprint } from '../app/plan-blueprint';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { SHOP_PLAN } from '../testing/sample-plans';
import { sameJson, StorePlanRepository } from './plan-repository';

describe('sameJson (how a commit tells a changed bucket)', () => {
  it('compares as JSON would: key order and undefined properties do not count, values do', () => {
    expect(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, u: undefined })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 0 })).toBe(false);
    expect(sameJson([1, 2], [1, 2, 3])).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
  });
});

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
    const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
    await planBlueprint(v2, { ...deps, plans: other });
    const after = await deps.plans.load(planId);
    expect(after?.head.revision).toBe(2);
    expect(after).not.toBe(first);
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
});
