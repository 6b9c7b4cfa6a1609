import {
  PlanGeneratedV1,
  PlanGeneratedV2,
  TasksGeneratedV1,
  TasksGeneratedV2,
  validateStrict,
  wholePlanGenerated,
  wholeTasksGenerated,
  type Envelope,
} from '@autopilot/contracts';
import { handlingMessage } from '@autopilot/runtime';
import { FakeClock } from '@autopilot/testing';
import { npmRepoScan } from '../domain/gaps/gap-fixtures.test-support';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { AnnouncedRevisions } from './announced-revisions';
import { CheckPlansAgainstRepoUseCase } from './check-plans-against-repo';
import { planBlueprint, type PlanBlueprintDeps, type PlanBlueprintResult } from './plan-blueprint';
import { PlanningMemo } from './planning-memo';

/** A plan of `phases` phases of six stories each, with paths, commands and dependencies the rules read. */
function storiesDocument(phases: number): string {
  const lines = ['# Platform plan', '', 'Context for the whole plan.', ''];
  for (let p = 1; p <= phases; p++) {
    lines.push(`## Phase ${p}: Part ${p}`, '', 'Phase notes.', '');
    for (let s = 1; s <= 6; s++) {
      lines.push(`### Story ${p}.${s}: Feature ${p}${s}`, '');
      lines.push(`Build it in \`src/part${p}/story${s}.ts\`.`, '');
      if (s > 1) lines.push(`Depends on: Story ${p}.${s - 1}`, '');
      if (s === 3) lines.push('- [ ] First item', '- [ ] Second item', '');
      if (s === 6) lines.push('```bash', 'npm test', '```', '');
    }
  }
  return lines.join('\n');
}

const TEXT = storiesDocument(10);
/** One story in the middle gains a line: its node and task change, everything after it moves. */
const EDITED = TEXT.replace(
  'Build it in `src/part5/story3.ts`.',
  'Build it in `src/part5/story3.ts`.\n\nAlso update `src/extra/file.ts`.',
);

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe('planBlueprint telling a re-plan as a change to the revision it announced (v2)', () => {
  let fixture: PlannerStoreFixture;
  let clock: FakeClock;
  /** One envelope id source for every process here: their events share the outbox. */
  let envelopes: PlanBlueprintDeps['envelopes'];
  beforeEach(async () => {
    fixture = await plannerStoreFixture();
    clock = new FakeClock();
    envelopes = planDeps(fixture.store, { clock }).envelopes;
  });
  afterEach(() => fixture.dispose());

  /** One planner process: its own memory of the last planning and of what it announced. */
  const plannerProcess = (): PlanBlueprintDeps =>
    planDeps(fixture.store, {
      clock,
      envelopes,
      memo: new PlanningMemo(),
      announcedRevisions: new AnnouncedRevisions(),
    });

  /** The events in the outbox after the first `skip`, as consumers get them. */
  const eventsAfter = async (skip: number): Promise<Envelope[]> => (await fixture.outbox()).slice(skip);

  /** A consumer holding `held` (the payloads of v1 events) applies the v2 events and gets the whole. */
  function expectChangeGivesWhole(
    events: readonly Envelope[],
    held: { plan: unknown; tasks: unknown },
    result: PlanBlueprintResult,
  ): void {
    expect(events.map((e) => e.type)).toEqual([PlanGeneratedV2.type, TasksGeneratedV2.type]);
    const [plan, tasks] = events as [Envelope<PlanGeneratedV2>, Envelope<TasksGeneratedV2>];
    expect(validateStrict(PlanGeneratedV2, plan.data)).toEqual([]);
    expect(validateStrict(TasksGeneratedV2, tasks.data)).toEqual([]);
    const wholePlan = wholePlanGenerated(plan.data, held.plan as PlanGeneratedV1);
    const wholeTasks = wholeTasksGenerated(tasks.data, held.tasks as TasksGeneratedV1);
    expect(wholePlan).toEqual(result.plan);
    expect(JSON.stringify(wholePlan)).toBe(JSON.stringify(result.plan));
    expect(wholeTasks).toEqual(result.tasks);
    expect(JSON.stringify(wholeTasks)).toBe(JSON.stringify(result.tasks));
  }

  it('puts v2 events in the outbox, much smaller than the whole, that give the whole revision back', async () => {
    const planner = plannerProcess();
    const v1 = markdownBlueprint(TEXT);
    const first = await planBlueprint(v1, planner);
    const firstEvents = await eventsAfter(0);
    expect(firstEvents.map((e) => e.type)).toEqual([PlanGeneratedV1.type, TasksGeneratedV1.type]);

    // Handling `blueprint.ingested` evt-2 of job-2: the change is correlated as v1 would be.
    const handled = { id: 'evt-2', correlationId: 'job-2', projectId: 'project-1' } as Envelope<unknown>;
    const v2 = markdownBlueprint(EDITED, { previous: v1 });
    const second = await handlingMessage(handled, () => planBlueprint(v2, planner));
    expect(second.outcome).toBe('planned');
    expect(second.plan?.revision).toBe(2);
    const changes = await eventsAfter(2);
    expect(changes[0]).toMatchObject({
      correlationId: 'job-2',
      causationId: 'evt-2',
      projectId: 'project-1',
    });
    expect(changes[0]!.data).toMatchObject({ base: { revision: 1, generatedAt: first.plan!.generatedAt } });
    expect(changes[1]!.data).toMatchObject({ base: { revision: 1, generatedAt: first.plan!.generatedAt } });
    expectChangeGivesWhole(changes, { plan: firstEvents[0]!.data, tasks: firstEvents[1]!.data }, second);
    // Most of the plan is kept runs: a few nodes and tasks travel whole.
    expect(bytes(changes[0]!.data)).toBeLessThan(bytes(second.plan) / 10);
    expect(bytes(changes[1]!.data)).toBeLessThan(bytes(second.tasks) / 10);
  });

  it('tells each re-plan as a change to the one before it, also an unchanged re-announcement', async () => {
    const planner = plannerProcess();
    const v1 = markdownBlueprint(TEXT);
    await planBlueprint(v1, planner);
    const v2 = markdownBlueprint(EDITED, { previous: v1 });
    const second = await planBlueprint(v2, planner);
    // v2 again (a redelivery): the stored revision is announced again, whole.
    const again = await planBlueprint(v2, planner);
    expect(again.outcome).toBe('unchanged');
    const v3 = markdownBlueprint(EDITED.replace('Phase notes.', 'Phase notes, edited.'), { previous: v2 });
    const third = await planBlueprint(v3, planner);
    const events = await fixture.outbox();
    expect(events.map((e) => e.type)).toEqual([
      PlanGeneratedV1.type,
      TasksGeneratedV1.type,
      PlanGeneratedV2.type,
      TasksGeneratedV2.type,
      PlanGeneratedV1.type,
      TasksGeneratedV1.type,
      PlanGeneratedV2.type,
      TasksGeneratedV2.type,
    ]);
    expect(events[4]!.data).toEqual(second.plan);
    expect(events[6]!.data).toMatchObject({ base: { revision: 2, generatedAt: second.plan!.generatedAt } });
    expectChangeGivesWhole(events.slice(6), { plan: events[4]!.data, tasks: events[5]!.data }, third);
  });

  it('sends v1 from a planner with a fresh memory (a new process), and v2 once it announced a revision', async () => {
    const v1 = markdownBlueprint(TEXT);
    await planBlueprint(v1, plannerProcess());
    const restarted = plannerProcess();
    const v2 = markdownBlueprint(EDITED, { previous: v1 });
    const second = await planBlueprint(v2, restarted);
    const v3 = markdownBlueprint(EDITED.replace('Phase notes.', 'Phase notes, edited.'), { previous: v2 });
    const third = await planBlueprint(v3, restarted);
    const events = await eventsAfter(2);
    expect(events.map((e) => e.type)).toEqual([
      PlanGeneratedV1.type,
      TasksGeneratedV1.type,
      PlanGeneratedV2.type,
      TasksGeneratedV2.type,
    ]);
    expect(events[0]!.data).toEqual(second.plan);
    expectChangeGivesWhole(events.slice(2), { plan: events[0]!.data, tasks: events[1]!.data }, third);
  });

  it('sends v1 when another process planned the stored head since', async () => {
    const planner = plannerProcess();
    const v1 = markdownBlueprint(TEXT);
    await planBlueprint(v1, planner);
    const v2 = markdownBlueprint(EDITED, { previous: v1 });
    await planBlueprint(v2, plannerProcess());
    const v3 = markdownBlueprint(EDITED.replace('Phase notes.', 'Phase notes, edited.'), { previous: v2 });
    const third = await planBlueprint(v3, planner);
    expect(third.plan?.revision).toBe(3);
    const events = await eventsAfter(4);
    expect(events.map((e) => e.type)).toEqual([PlanGeneratedV1.type, TasksGeneratedV1.type]);
    expect(events[0]!.data).toEqual(third.plan);
  });

  it('tells the next re-plan as a change to the revision a repository check announced', async () => {
    const planner = plannerProcess();
    const v1 = markdownBlueprint(TEXT);
    await planBlueprint(v1, planner);
    const check = new CheckPlansAgainstRepoUseCase(
      planner.plans,
      clock,
      planner.envelopes,
      planner.announcedRevisions,
    );
    const checked = await check.execute(npmRepoScan('scan-1'));
    expect(checked.revised).toHaveLength(1);
    const [checkedPlan, checkedTasks] = await eventsAfter(2);
    expect(checkedPlan!.data).toMatchObject({ revision: 2 });

    const v2 = markdownBlueprint(EDITED, { previous: v1 });
    const second = await planBlueprint(v2, planner);
    expect(second.plan?.revision).toBe(3);
    const events = await eventsAfter(4);
    expect(events[0]!.data).toMatchObject({
      base: { revision: 2, generatedAt: (checkedPlan!.data as PlanGeneratedV1).generatedAt },
    });
    expectChangeGivesWhole(events, { plan: checkedPlan!.data, tasks: checkedTasks!.data }, second);

    // A scan that changes nothing announces the stored revision again, whole: still a base.
    await check.execute(npmRepoScan('scan-2'));
    const [againPlan, againTasks] = await eventsAfter(6);
    // Built from the store, it is the payload planning announced, to the order of its keys.
    expect(JSON.stringify(againPlan!.data)).toBe(JSON.stringify(second.plan));
    expect(JSON.stringify(againTasks!.data)).toBe(JSON.stringify(second.tasks));
    const v3 = markdownBlueprint(EDITED.replace('Phase notes.', 'Phase notes, edited.'), { previous: v2 });
    const third = await planBlueprint(v3, planner);
    expectChangeGivesWhole(await eventsAfter(8), { plan: againPlan!.data, tasks: againTasks!.data }, third);
  });

  it('sends v1 after a repository check that kept no record of what it announced', async () => {
    const planner = plannerProcess();
    const v1 = markdownBlueprint(TEXT);
    await planBlueprint(v1, planner);
    // Another path to a new revision: the stored head is no longer the revision this planner announced.
    const check = new CheckPlansAgainstRepoUseCase(planner.plans, clock, planner.envelopes);
    expect((await check.execute(npmRepoScan('scan-1'))).revised).toHaveLength(1);
    const second = await planBlueprint(markdownBlueprint(EDITED, { previous: v1 }), planner);
    const events = await eventsAfter(4);
    expect(events.map((e) => e.type)).toEqual([PlanGeneratedV1.type, TasksGeneratedV1.type]);
    expect(events[0]!.data).toEqual(second.plan);
  });

  it('keeps no revision that was not committed: a rejected blueprint leaves the last one the base', async () => {
    const planner = plannerProcess();
    const v1 = markdownBlueprint(TEXT);
    const first = await planBlueprint(v1, planner);
    const broken = markdownBlueprint(`${TEXT}\n## Story 99: Broken\n\nDepends on Story 98.\n`, {
      previous: v1,
    });
    expect((await planBlueprint(broken, planner)).outcome).toBe('rejected');
    const v3 = markdownBlueprint(EDITED, { previous: broken });
    const third = await planBlueprint(v3, planner);
    const events = await eventsAfter(3);
    expect(events[0]!.data).toMatchObject({ base: { revision: 1, generatedAt: first.plan!.generatedAt } });
    const [plan, tasks] = await eventsAfter(0);
    expectChangeGivesWhole(events, { plan: plan!.data, tasks: tasks!.data }, third);
  });
});
