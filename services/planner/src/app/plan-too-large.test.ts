import {
  PlanRejectedV1,
  validateStrict,
  type PlanGeneratedV1,
  type TasksGeneratedV1,
} from '@autopilot/contracts';
import { OutboxEnvelopeTooLargeError } from '@autopilot/store';
import { limitedStore } from '../testing/limited-store';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { SHOP_PLAN } from '../testing/sample-plans';
import { planBlueprint } from './plan-blueprint';
import { PlanTooLargeError } from './plan-too-large';

describe('planBlueprint, a plan no consumer would take (too large a message, too many nodes or tasks)', () => {
  let fixture: PlannerStoreFixture;
  /** The JSON size of each event SHOP_PLAN's plan appends, by type, measured without a limit. */
  let sizes: Map<string, number>;

  beforeAll(async () => {
    const unlimited = await plannerStoreFixture();
    try {
      await planBlueprint(markdownBlueprint(SHOP_PLAN), planDeps(unlimited.store));
      const events = await unlimited.outbox();
      sizes = new Map(events.map((e) => [e.type, Buffer.byteLength(JSON.stringify(e))]));
    } finally {
      await unlimited.dispose();
    }
  });
  beforeEach(async () => {
    fixture = await plannerStoreFixture();
  });
  afterEach(() => fixture.dispose());

  it('rejects the blueprint with plan.rejected saying how large, what the limit is and what to do; stores nothing of the plan', async () => {
    const tasksBytes = sizes.get('tasks.generated.v1')!;
    const limit = tasksBytes - 1;
    // Only the task graph is past the limit: the rejection names it.
    expect(sizes.get('plan.generated.v1')).toBeLessThanOrEqual(limit);
    const deps = planDeps(limitedStore(fixture.store, limit));

    const result = await planBlueprint(markdownBlueprint(SHOP_PLAN), deps);

    expect(result.outcome).toBe('rejected');
    expect(result.plan).toBeUndefined();
    const error = result.rejection!.error;
    expect(error.code).toBe('PLANNER_PLAN_TOO_LARGE');
    expect(error.message).toBe(
      `the task graph of this blueprint (tasks.generated) is ${tasksBytes} bytes, past the ${limit} bytes ` +
        'a message may be (AUTOPILOT_MAX_MESSAGE_BYTES); split the blueprint into smaller blueprints ' +
        'planned one at a time (the files of a directory are one blueprint), or raise ' +
        'AUTOPILOT_MAX_MESSAGE_BYTES for every service',
    );
    // Nothing of the plan: no head, nodes or tasks, and no plan event; only the rejection is announced.
    expect(await fixture.store.collection('plans').count()).toBe(0);
    expect(await fixture.store.collection('plan_nodes').count()).toBe(0);
    expect(await fixture.store.collection('task_specs').count()).toBe(0);
    const events = await fixture.outbox();
    expect(events.map((e) => e.type)).toEqual(['plan.rejected.v1']);
    expect(validateStrict(PlanRejectedV1, events[0]!.data)).toEqual([]);
    expect(events[0]!.data).toEqual(result.rejection);
  });

  it('plans the same blueprint once the limit takes its events', async () => {
    const blueprint = markdownBlueprint(SHOP_PLAN);
    const tasksBytes = sizes.get('tasks.generated.v1')!;
    const refused = await planBlueprint(blueprint, planDeps(limitedStore(fixture.store, tasksBytes - 1)));
    expect(refused.outcome).toBe('rejected');
    const planned = await planBlueprint(blueprint, planDeps(limitedStore(fixture.store, tasksBytes)));
    expect(planned.outcome).toBe('planned');
    expect(planned.plan?.revision).toBe(1);
  });

  it('says sizes in MiB when the limit is a whole number of them, never rounding the size down to the limit', () => {
    const MiB = 1024 * 1024;
    const refused = (type: string, bytes: number) =>
      PlanTooLargeError.ofEvent(
        new OutboxEnvelopeTooLargeError('evt-1', type, 'ap.v1.evt.x', bytes, 64 * MiB),
      );
    expect(refused('tasks.generated.v1', 74_658_000).message).toMatch(
      /^the task graph of this blueprint \(tasks\.generated\) is 71\.2 MiB, past the 64 MiB a message may be \(AUTOPILOT_MAX_MESSAGE_BYTES\); split the blueprint/,
    );
    // One byte past: 64.0000… MiB is shown as 64.1, not as the limit.
    expect(refused('plan.generated.v1', 64 * MiB + 1).message).toMatch(
      /^the plan of this blueprint \(plan\.generated\) is 64\.1 MiB, past the 64 MiB/,
    );
    const error = refused('tasks.generated.v1', 70 * MiB);
    expect(error).toMatchObject({
      code: 'PLANNER_PLAN_TOO_LARGE',
      type: 'tasks.generated.v1',
      size: 70 * MiB,
      limit: 64 * MiB,
      unit: 'bytes',
    });
    expect(error.cause).toBeInstanceOf(OutboxEnvelopeTooLargeError);
  });

  it('finds a plan with more tasks or nodes than their events may list, before any event is built', () => {
    // Only the counts matter: arrays of the right lengths stand for the payloads.
    const payloads = (nodes: number, tasks: number) =>
      [
        { nodes: new Array<unknown>(nodes) } as unknown as PlanGeneratedV1,
        { tasks: new Array<unknown>(tasks) } as unknown as TasksGeneratedV1,
      ] as const;
    expect(PlanTooLargeError.ofCount(...payloads(100_000, 100_000))).toBeUndefined();
    const tasks = PlanTooLargeError.ofCount(...payloads(100_000, 100_001));
    expect(tasks).toMatchObject({
      code: 'PLANNER_PLAN_TOO_LARGE',
      type: 'tasks.generated.v1',
      size: 100_001,
    });
    expect(tasks?.message).toBe(
      'this blueprint makes 100,001 tasks, more than the 100,000 a plan may have (the tasks.generated.v1 ' +
        'contract); split the blueprint into smaller blueprints planned one at a time (the files of a ' +
        'directory are one blueprint)',
    );
    expect(PlanTooLargeError.ofCount(...payloads(120_000, 10))).toMatchObject({
      type: 'plan.generated.v1',
      unit: 'nodes',
      size: 120_000,
      limit: 100_000,
    });
  });
});
