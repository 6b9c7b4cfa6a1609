import {
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlanRejectedV1,
  TasksGeneratedV1,
  TasksGeneratedV2,
  validateStrict,
  wholePlanGenerated,
  wholeTasksGenerated,
  type Envelope,
  type PlannerAnnouncePlanV1,
} from '@autopilot/contracts';
import { handlingMessage } from '@autopilot/runtime';
import { declareInbox, isHandled } from '@autopilot/store';
import { FakeClock } from '@autopilot/testing';
import { planIdFor } from '../domain/plan/plan-ids';
import { limitedStore } from '../testing/limited-store';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { SHOP_PLAN } from '../testing/sample-plans';
import { AnnouncedRevisions } from './announced-revisions';
import { announcePlan, type AnnouncePlanDeps } from './announce-plan';
import { planBlueprint, type PlanBlueprintDeps } from './plan-blueprint';
import { PlanningMemo } from './planning-memo';
import { UnknownPlanRevisionError } from './unknown-plan-revision-error';

const planId = planIdFor('project-1', 'bp-1');
const EDITED = SHOP_PLAN.replace('Flip the feature flag.', 'Flip the feature flag, then watch.');

/** The command as the manager sends it, as a handled envelope (its correlation: `cmd-corr`). */
const commandEnvelope = (data: PlannerAnnouncePlanV1): Envelope<unknown> =>
  ({ id: 'cmd-1', correlationId: 'cmd-corr', projectId: data.projectId, data }) as Envelope<unknown>;

describe('announcePlan (cmd.planner.announce_plan)', () => {
  let fixture: PlannerStoreFixture;
  let clock: FakeClock;
  let envelopes: PlanBlueprintDeps['envelopes'];
  beforeEach(async () => {
    fixture = await plannerStoreFixture();
    // The command is recorded as handled (the inbox) with what it announces.
    await declareInbox(fixture.store);
    clock = new FakeClock();
    envelopes = planDeps(fixture.store, { clock }).envelopes;
  });
  afterEach(() => fixture.dispose());

  /** One planner process over the fixture's store (or `store`): planning and announcing share its memory. */
  function plannerProcess(store = fixture.store): {
    planning: PlanBlueprintDeps;
    announcing: AnnouncePlanDeps;
  } {
    const planning = planDeps(store, {
      clock,
      envelopes,
      memo: new PlanningMemo(),
      announcedRevisions: new AnnouncedRevisions(),
    });
    return { planning, announcing: planning };
  }

  const announceHandled = (command: PlannerAnnouncePlanV1, deps: AnnouncePlanDeps) =>
    handlingMessage(commandEnvelope(command), () => announcePlan(command, deps), 'planner-announce-plan');

  it('announces the stored revision whole, as planning announced it, correlated with the job; the command handled', async () => {
    const { planning, announcing } = plannerProcess();
    const planned = await planBlueprint(markdownBlueprint(SHOP_PLAN), planning);
    const command = { projectId: 'project-1', planId, revision: 1, jobId: 'job-7' };
    const result = await announceHandled(command, announcing);

    expect(result).toEqual({ outcome: 'announced', plan: planned.plan, tasks: planned.tasks });
    const events = (await fixture.outbox()).slice(2);
    expect(events.map((e) => e.type)).toEqual([PlanGeneratedV1.type, TasksGeneratedV1.type]);
    for (const event of events)
      expect(event).toMatchObject({ correlationId: 'job-7', causationId: 'cmd-1', projectId: 'project-1' });
    expect(validateStrict(PlanGeneratedV1, events[0]!.data)).toEqual([]);
    expect(validateStrict(TasksGeneratedV1, events[1]!.data)).toEqual([]);
    // The same payloads, to the order of their keys: a consumer may compare them as text.
    expect(JSON.stringify(events[0]!.data)).toBe(JSON.stringify(planned.plan));
    expect(JSON.stringify(events[1]!.data)).toBe(JSON.stringify(planned.tasks));
    expect(await isHandled(fixture.store, 'planner-announce-plan', 'cmd-1')).toBe(true);
  });

  it('correlates with the command itself when it names no job, and announces a newer revision than asked', async () => {
    const { planning, announcing } = plannerProcess();
    const v1 = markdownBlueprint(SHOP_PLAN);
    await planBlueprint(v1, planning);
    const second = await planBlueprint(markdownBlueprint(EDITED, { previous: v1 }), planning);
    const result = await announceHandled({ projectId: 'project-1', planId, revision: 1 }, announcing);

    expect(result).toMatchObject({ outcome: 'announced', plan: { revision: 2 } });
    const events = (await fixture.outbox()).slice(4);
    expect(events.map((e) => [e.type, e.correlationId])).toEqual([
      [PlanGeneratedV1.type, 'cmd-corr'],
      [TasksGeneratedV1.type, 'cmd-corr'],
    ]);
    expect(events[0]!.data).toEqual(second.plan);
  });

  it('refuses, never to be retried, a plan it does not store, another project’s plan, and a revision it has not reached', async () => {
    const { planning, announcing } = plannerProcess();
    await planBlueprint(markdownBlueprint(SHOP_PLAN), planning);
    const before = (await fixture.outbox()).length;

    const unknown = announcePlan({ projectId: 'project-1', planId: 'plan-nope', revision: 1 }, announcing);
    await expect(unknown).rejects.toBeInstanceOf(UnknownPlanRevisionError);
    await expect(unknown).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
      planId: 'plan-nope',
      storedRevision: undefined,
    });
    await expect(
      announcePlan({ projectId: 'project-2', planId, revision: 1 }, announcing),
    ).rejects.toMatchObject({ code: 'BUS_NON_RETRYABLE', projectId: 'project-2', storedRevision: undefined });
    const ahead = announcePlan({ projectId: 'project-1', planId, revision: 2 }, announcing);
    await expect(ahead).rejects.toMatchObject({ code: 'BUS_NON_RETRYABLE', revision: 2, storedRevision: 1 });
    await expect(ahead).rejects.toThrow(/revision 1 stored, older than the revision 2 asked for/);
    expect(await fixture.outbox()).toHaveLength(before);
  });

  it('makes the announced revision the base of the next re-plan in the process that announced it', async () => {
    const v1 = markdownBlueprint(SHOP_PLAN);
    await planBlueprint(v1, plannerProcess().planning);
    // A new process: asked for the plan whole, it announces revision 1, then tells revision 2 as a change to it.
    const restarted = plannerProcess();
    await announceHandled(
      { projectId: 'project-1', planId, revision: 1, jobId: 'job-7' },
      restarted.announcing,
    );
    const second = await planBlueprint(markdownBlueprint(EDITED, { previous: v1 }), restarted.planning);

    const [announcedPlan, announcedTasks, plan, tasks] = (await fixture.outbox()).slice(2);
    expect([plan!.type, tasks!.type]).toEqual([PlanGeneratedV2.type, TasksGeneratedV2.type]);
    const base = announcedPlan!.data as PlanGeneratedV1;
    expect(plan!.data).toMatchObject({ base: { revision: 1, generatedAt: base.generatedAt } });
    const wholePlan = wholePlanGenerated(plan!.data as PlanGeneratedV2, base);
    const wholeTasks = wholeTasksGenerated(
      tasks!.data as TasksGeneratedV2,
      announcedTasks!.data as TasksGeneratedV1,
    );
    expect(JSON.stringify(wholePlan)).toBe(JSON.stringify(second.plan));
    expect(JSON.stringify(wholeTasks)).toBe(JSON.stringify(second.tasks));
  });

  it('announces plan.rejected (PLANNER_PLAN_TOO_LARGE) for the job when the revision is too large to go out whole', async () => {
    await planBlueprint(markdownBlueprint(SHOP_PLAN), plannerProcess().planning);
    const [planEvent] = await fixture.outbox();
    const limit = Buffer.byteLength(JSON.stringify(planEvent)) - 1;
    const limited = plannerProcess(limitedStore(fixture.store, limit));

    const result = await announceHandled(
      { projectId: 'project-1', planId, revision: 1, jobId: 'job-7' },
      limited.announcing,
    );

    expect(result).toMatchObject({
      outcome: 'rejected',
      rejection: { blueprintId: 'bp-1', blueprintVersion: 1, error: { code: 'PLANNER_PLAN_TOO_LARGE' } },
    });
    const events = (await fixture.outbox()).slice(2);
    expect(events.map((e) => [e.type, e.correlationId])).toEqual([[PlanRejectedV1.type, 'job-7']]);
    expect(validateStrict(PlanRejectedV1, events[0]!.data)).toEqual([]);
    expect(await isHandled(fixture.store, 'planner-announce-plan', 'cmd-1')).toBe(true);
    // Not announced: no base for a change.
    const stored = await limited.planning.plans.load(planId);
    expect(stored?.head.revision).toBe(1);
    expect(limited.announcing.announcedRevisions?.baseFor(stored?.head)).toBeUndefined();
  });
});
