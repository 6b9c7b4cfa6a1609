import {
  PlanGeneratedV1,
  PlanRejectedV1,
  TasksGeneratedV1,
  validateStrict,
  type Envelope,
} from '@autopilot/contracts';
import { handlingMessage } from '@autopilot/runtime';
import type { DocumentStore } from '@autopilot/store';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { SHOP_PLAN } from '../testing/sample-plans';
import { SECTION_FACTS_VERSION } from '../domain/section-facts/extract-section';
import { StorePlanRepository } from '../adapters/plan-repository';
import { planBlueprint, PlanBlueprintUseCase, type PlanBlueprintDeps } from './plan-blueprint';
import { PlanningSecretScans } from './planning-secret-scans';
import { AnnouncedRevisions } from './announced-revisions';
import type { PlannerLog, PlanRepository } from './ports';
import { countEventLoopTurns } from '@autopilot/testing';

describe('planBlueprint', () => {
  let fixture: PlannerStoreFixture;
  let store: DocumentStore;
  let deps: PlanBlueprintDeps;
  const lines: string[] = [];
  const log: PlannerLog = {
    info: (m, f) => lines.push(`info ${m} ${JSON.stringify(f)}`),
    warn: (m, f) => lines.push(`warn ${m} ${JSON.stringify(f)}`),
  };

  beforeEach(async () => {
    fixture = await plannerStoreFixture();
    store = fixture.store;
    deps = planDeps(store, { log });
  });
  afterEach(() => fixture.dispose());

  const outbox = () => fixture.outbox();

  it('saves nodes, tasks and the plan head, and puts plan.generated and tasks.generated in the outbox', async () => {
    const blueprint = markdownBlueprint(SHOP_PLAN);
    // Handling `blueprint.ingested` evt-1 of job-1: the events it causes say so.
    const handled = { id: 'evt-1', correlationId: 'job-1', projectId: 'project-1' } as Envelope<unknown>;
    const result = await handlingMessage(handled, () => planBlueprint(blueprint, deps));
    expect(result.outcome).toBe('planned');
    const events = await outbox();
    expect(events.map((e) => e.type).sort()).toEqual(['plan.generated.v1', 'tasks.generated.v1']);
    const plan = events.find((e) => e.type === 'plan.generated.v1')!;
    const tasks = events.find((e) => e.type === 'tasks.generated.v1')!;
    expect(validateStrict(PlanGeneratedV1, plan.data)).toEqual([]);
    expect(validateStrict(TasksGeneratedV1, tasks.data)).toEqual([]);
    expect(plan).toMatchObject({ correlationId: 'job-1', causationId: 'evt-1', projectId: 'project-1' });
    expect(plan.data).toEqual(result.plan);
    expect(tasks.data).toEqual(result.tasks);

    const payload = plan.data as PlanGeneratedV1;
    const taskPayload = tasks.data as TasksGeneratedV1;
    expect(payload.revision).toBe(1);
    expect(taskPayload.anchorId).toBe(payload.anchor.id);
    // The anchor travels with the tasks (its text and pivots), so every run can be given it.
    expect(taskPayload.anchor).toEqual({
      id: payload.anchor.id,
      formatVersion: payload.anchor.formatVersion,
      text: payload.anchor.text,
      pivots: payload.anchor.pivots,
    });
    // Links both ways: every task names its node, every node lists its tasks.
    for (const task of taskPayload.tasks) {
      expect(payload.nodes.find((n) => n.id === task.planNodeId)?.taskIds).toContain(task.id);
    }
    // Stored in bucket documents (BUCKETS): every node and task is in one, whichever bucket it hashes to.
    const stored = async (collection: string, field: 'nodes' | 'tasks') => {
      const page = await store
        .collection<{ _id: string } & Record<typeof field, unknown[]>>(collection)
        .find({ planId: payload.planId }, { limit: 1000 });
      return page.items.reduce((n, bucket) => n + bucket[field].length, 0);
    };
    expect(await stored('plan_nodes', 'nodes')).toBe(payload.nodes.length);
    expect(await stored('task_specs', 'tasks')).toBe(taskPayload.tasks.length);
  });

  it('gives the event loop turns between its phases, before the plan is stored: a signal is not held up by all of it', async () => {
    const plans = deps.plans;
    let turnsAtCommit: number | undefined;
    const watched: PlanRepository = Object.assign(Object.create(plans) as PlanRepository, {
      commit: (...args: Parameters<PlanRepository['commit']>) => {
        turnsAtCommit = turns.count;
        return plans.commit(...args);
      },
    });
    const turns = countEventLoopTurns();
    const result = await planBlueprint(markdownBlueprint(SHOP_PLAN), { ...deps, plans: watched }).finally(
      () => turns.stop(),
    );
    expect(result.outcome).toBe('planned');
    // After deriving the plan graph, after the task graph, and before storing: the embedded store
    // answers in microtasks, so without them planning would hold the loop from start to end.
    expect(turnsAtCommit).toBeGreaterThanOrEqual(3);
  });

  it('is idempotent: the same version again rewrites nothing and announces the same plan again', async () => {
    const blueprint = markdownBlueprint(SHOP_PLAN);
    const first = await planBlueprint(blueprint, deps);
    const stored = await store.collection('plans').get(first.plan!.planId);
    const again = await planBlueprint(blueprint, deps);
    expect(again.outcome).toBe('unchanged');
    expect(JSON.stringify(again.plan)).toBe(JSON.stringify(first.plan));
    expect(JSON.stringify(again.tasks)).toBe(JSON.stringify(first.tasks));
    expect(await store.collection('plans').get(first.plan!.planId)).toEqual(stored);
    // Whoever submitted the same text again gets its answer: the same revision, announced again.
    const events = await outbox();
    expect(events.map((e) => e.type)).toEqual([
      'plan.generated.v1',
      'tasks.generated.v1',
      'plan.generated.v1',
      'tasks.generated.v1',
    ]);
    expect(events[2]!.data).toEqual(events[0]!.data);
    expect(events[3]!.data).toEqual(events[1]!.data);
  });

  /**
   * Plans SHOP_PLAN, marks the stored facts of an unchanged section (stamped with `factsVersion`),
   * then plans an edit of another section: a re-plan that reuses the stored facts keeps the mark.
   */
  async function replanWithMarkedFacts(factsVersion: number) {
    const v1 = markdownBlueprint(SHOP_PLAN);
    const first = (await planBlueprint(v1, deps)).plan!;
    type Bucket = {
      _id: string;
      nodes: {
        node: { id: string };
        sources: { facts: { deliverables: string[] } }[];
        factsVersion?: number;
      }[];
    };
    const skeleton = first.nodes.find((n) => n.title === 'Story 1.1: Project skeleton')!;
    const buckets = await store
      .collection<Bucket>('plan_nodes')
      .find({ planId: first.planId }, { limit: 1000 });
    const bucket = buckets.items.find((b) => b.nodes.some((n) => n.node.id === skeleton.id))!;
    const stored = bucket.nodes.find((n) => n.node.id === skeleton.id)!;
    stored.sources[0]!.facts.deliverables = ['(reused from the stored facts)'];
    stored.factsVersion = factsVersion;
    await store.collection<Bucket>('plan_nodes').upsert(bucket);

    const v2 = markdownBlueprint(
      SHOP_PLAN.replace('Flip the feature flag.', 'Flip the flag. Deliverables: `flags.json`'),
      { previous: v1 },
    );
    expect(v2.changedSectionIds).toHaveLength(1);
    // A repository that reads the plan from the store (another planner process, or after a
    // restart): the one that committed it keeps it in memory and would not see the mark.
    const second = await planBlueprint(v2, { ...deps, plans: new StorePlanRepository(store, deps.clock) });
    const skeletonTask = second.tasks!.tasks.find((t) => t.planNodeId === skeleton.id)!;
    return {
      first,
      second,
      reused: (skeletonTask.description ?? '').includes('(reused from the stored facts)'),
    };
  }

  it('re-plans an edited blueprint: unchanged nodes keep their ids and their stored facts are reused', async () => {
    const { first, second, reused } = await replanWithMarkedFacts(SECTION_FACTS_VERSION);
    expect(second.outcome).toBe('planned');
    expect(second.plan!.revision).toBe(2);
    expect(second.plan!.nodes.map((n) => n.id)).toEqual(first.nodes.map((n) => n.id));
    expect(reused).toBe(true);
    const goLive = second.tasks!.tasks.find((t) => t.title === 'Story 3.2: Go live')!;
    expect(goLive.scopePaths).toEqual(['flags.json']); // the changed section was read again
    expect(await outbox()).toHaveLength(4);
  });

  it('reads every section again when the stored facts came from older extraction rules', async () => {
    const { second, reused } = await replanWithMarkedFacts(SECTION_FACTS_VERSION - 1);
    expect(second.outcome).toBe('planned');
    expect(reused).toBe(false);
  });

  it('leaves an older version alone once a newer one is planned', async () => {
    const v1 = markdownBlueprint(SHOP_PLAN);
    const v2 = markdownBlueprint(`${SHOP_PLAN}\nMore.`, { previous: v1 });
    await planBlueprint(v2, deps);
    const stale = await planBlueprint(v1, deps);
    expect(stale.outcome).toBe('stale');
    expect(stale.rejection?.error.code).toBe('PLANNER_BLUEPRINT_SUPERSEDED');
    // Answered, not silently dropped: a rejection names the newer version; the plan stays at v2.
    const events = await outbox();
    expect(events.map((e) => e.type)).toEqual([
      'plan.generated.v1',
      'tasks.generated.v1',
      PlanRejectedV1.type,
    ]);
    expect((events[2]!.data as PlanRejectedV1).error.message).toContain('version 2');
    expect(lines.some((l) => l.startsWith('warn blueprint version superseded'))).toBe(true);
  });

  it('plans a second blueprint of the same project beside the first: versions are compared per blueprint', async () => {
    const a1 = markdownBlueprint(SHOP_PLAN, { blueprintId: 'bp-a' });
    const a2 = markdownBlueprint(`${SHOP_PLAN}\nMore.`, { previous: a1, blueprintId: 'bp-a' });
    const a = await planBlueprint(a2, deps);
    // Version 1 of another blueprint: older than the project's other plan, and still its own first plan.
    const b = await planBlueprint(markdownBlueprint(SHOP_PLAN, { blueprintId: 'bp-b' }), deps);
    expect(b.outcome).toBe('planned');
    expect(b.plan!.planId).not.toBe(a.plan!.planId);
    expect(b.plan).toMatchObject({ blueprintId: 'bp-b', blueprintVersion: 1, revision: 1 });
    // Each plan's nodes and tasks are its own: planning B left A's plan as it was.
    const aIds = new Set(a.tasks!.tasks.map((t) => t.id));
    expect(b.tasks!.tasks.some((t) => aIds.has(t.id))).toBe(false);
    const heads = await store
      .collection<{ _id: string; blueprintId: string; blueprintVersion: number }>('plans')
      .find({}, { limit: 10 });
    expect(heads.items.map((h) => [h.blueprintId, h.blueprintVersion]).sort()).toEqual([
      ['bp-a', 2],
      ['bp-b', 1],
    ]);
    // And A's next version still revises A's plan.
    const a3 = await planBlueprint(
      markdownBlueprint(`${SHOP_PLAN}\nEven more.`, { previous: a2, blueprintId: 'bp-a' }),
      deps,
    );
    expect(a3.plan).toMatchObject({ planId: a.plan!.planId, revision: 2, blueprintVersion: 3 });
  });

  it('rejects a blueprint with a missing dependency: plan.rejected in the outbox, no plan written', async () => {
    const blueprint = markdownBlueprint('## Story 1: A\nDepends on Story 2.\n\n- do A');
    const result = await planBlueprint(blueprint, deps);
    expect(result.outcome).toBe('rejected');
    expect(result.rejection?.error.code).toBe('PLANNER_MISSING_DEPENDENCY');
    expect(result.rejection?.error.message).toContain('Story 2');
    const events = await outbox();
    expect(events.map((e) => e.type)).toEqual([PlanRejectedV1.type]);
    expect(validateStrict(PlanRejectedV1, events[0]!.data)).toEqual([]);
    expect(events[0]!.data).toEqual(result.rejection);
    expect(await store.collection('plan_rejections').count()).toBe(1);
    expect(await store.collection('plans').count()).toBe(0);
    expect(await store.collection('plan_nodes').count()).toBe(0);
  });

  it('settles the message of an unplannable blueprint: the use case resolves, the bus acks', async () => {
    const useCase = new PlanBlueprintUseCase(
      deps.plans,
      deps.repoViews,
      deps.refinements,
      deps.anchors,
      null,
      deps.log,
      deps.clock,
      deps.envelopes,
      deps.maxRefinementCalls,
      new PlanningSecretScans(),
      new AnnouncedRevisions(),
    );
    const blueprint = markdownBlueprint('## Story 1: A\nDepends on Story 2.\n\n- do A');
    await expect(useCase.execute(blueprint)).resolves.toMatchObject({ outcome: 'rejected' });
  });
});
