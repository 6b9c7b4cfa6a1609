import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlueprintIngestedV1,
  BlueprintIngestedV2,
  blueprintIngestedChange,
  buildEnvelope,
  IngestionAnnounceBlueprintV1,
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlanRejectedV1,
  TasksGeneratedV1,
  TasksGeneratedV2,
  type Envelope,
} from '@autopilot/contracts';
import { isHandled, outboxStates, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { startPlannerHost } from '../testing/planner-host';
import { wholeFromChange } from '../app/plan-changed-blueprint';
import { SHOP_PLAN } from '../testing/sample-plans';

/** `plan.generated` and `tasks.generated`, whole (v1) and as a change to the revision before (v2). */
const PLAN_EVENTS = [PlanGeneratedV1, TasksGeneratedV1, PlanGeneratedV2, TasksGeneratedV2];

const isPlanGenerated = (e: Envelope): boolean =>
  e.type === PlanGeneratedV1.type || e.type === PlanGeneratedV2.type;

/** Revision and blueprint version of each `plan.generated` seen, whichever version of the event. */
const planRevisions = (seen: readonly Envelope[]): [number, number][] =>
  seen.filter(isPlanGenerated).map((e) => {
    const plan = e.data as PlanGeneratedV1 | PlanGeneratedV2;
    return [plan.revision, plan.blueprintVersion];
  });

describe('BlueprintIngestedHandler (the planner service over the in-process bus)', () => {
  let dir: string;
  let store: DocumentStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-planner-handler-'));
    store = await openSqliteStore({ file: join(dir, 'planner.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers blueprint.ingested with plan.generated and tasks.generated, once per version', async () => {
    const planner = await startPlannerHost(store, PLAN_EVENTS);
    const { bus, seen } = planner;
    try {
      const blueprint = markdownBlueprint(SHOP_PLAN);
      await bus.publish(BlueprintIngestedV1, blueprint, { correlationId: 'job-1', projectId: 'project-1' });
      await eventually(() =>
        expect(seen.map((e) => e.type).sort()).toEqual([PlanGeneratedV1.type, TasksGeneratedV1.type]),
      );
      const tasks = seen.find((e) => e.type === TasksGeneratedV1.type)!;
      expect(tasks.correlationId).toBe('job-1');
      expect((tasks.data as TasksGeneratedV1).tasks.map((t) => t.title)).toContain(
        'Story 2.1: Card payments',
      );

      // The same version again (a re-publish, new envelope id) plans nothing new: the stored
      // revision is announced again; the next version makes revision 2. One consumer handles its
      // messages in order, so once v2's events are out the repeat was handled.
      await bus.publish(BlueprintIngestedV1, blueprint, { projectId: 'project-1' });
      const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), {
        previous: blueprint,
      });
      await bus.publish(BlueprintIngestedV1, v2, { projectId: 'project-1' });
      await eventually(() => expect(seen).toHaveLength(6));
      expect(planRevisions(seen)).toEqual([
        [1, 1],
        [1, 1],
        [2, 2],
      ]);
      // Revision 2 is told as a change to revision 1, which this process announced.
      expect(seen.filter(isPlanGenerated).map((e) => e.type)).toEqual([
        PlanGeneratedV1.type,
        PlanGeneratedV1.type,
        PlanGeneratedV2.type,
      ]);
    } finally {
      await planner.close();
    }
  });

  it('plans a version told as a change to the one it holds; asks for one it does not hold whole, and plans that', async () => {
    const watch = [PlanGeneratedV1, PlanGeneratedV2, IngestionAnnounceBlueprintV1];
    const v1 = markdownBlueprint(SHOP_PLAN);
    const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
    const v3 = {
      ...markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it now.'), { previous: v2 }),
      jobId: 'job-3',
    };
    const planner = await startPlannerHost(store, watch);
    try {
      await planner.bus.publish(BlueprintIngestedV1, v1, { projectId: 'project-1' });
      // The two versions travel on two subjects: the change is sent once the base is planned, as
      // ingestion sends a version only after the one before it.
      await eventually(() => expect(planner.seen).toHaveLength(1));
      await planner.bus.publish(BlueprintIngestedV2, blueprintIngestedChange(v1, v2), {
        projectId: 'project-1',
      });
      await eventually(() => expect(planner.seen).toHaveLength(2));
      expect(planRevisions(planner.seen)).toEqual([
        [1, 1],
        [2, 2],
      ]);
    } finally {
      await planner.close();
    }

    // A new process holds no version: the change to v2 is answered with a request for v3 whole.
    const restarted = await startPlannerHost(store, watch);
    try {
      await restarted.bus.publish(BlueprintIngestedV2, blueprintIngestedChange(v2, v3), {
        projectId: 'project-1',
        correlationId: 'job-3',
      });
      await eventually(() => expect(restarted.seen).toHaveLength(1));
      const [asked] = restarted.seen;
      expect(asked?.type).toBe(IngestionAnnounceBlueprintV1.type);
      expect(asked?.correlationId).toBe('job-3');
      expect(asked?.data).toEqual({
        projectId: 'project-1',
        blueprintId: 'bp-1',
        version: 3,
        jobId: 'job-3',
      });
      // Ingestion's answer: v3 whole, planned as revision 3.
      await restarted.bus.publish(BlueprintIngestedV1, v3, { projectId: 'project-1' });
      await eventually(() => expect(restarted.seen).toHaveLength(2));
      // A new process holds no revision it announced: revision 3 goes out whole.
      expect(restarted.seen[1]?.type).toBe(PlanGeneratedV1.type);
      expect((restarted.seen[1]?.data as PlanGeneratedV1).revision).toBe(3);
    } finally {
      await restarted.close();
    }
  });

  it('does not apply a change to another text than the one it names', async () => {
    const v1 = markdownBlueprint(SHOP_PLAN);
    const v2 = markdownBlueprint(`${SHOP_PLAN}\nMore.\n`, { previous: v1 });
    const change = blueprintIngestedChange(v1, v2);
    expect(wholeFromChange(change, v1)).toEqual(v2);
    expect(wholeFromChange(change, undefined)).toBeUndefined();
    expect(
      wholeFromChange({ ...change, base: { ...change.base, digest: 'f'.repeat(64) } }, v1),
    ).toBeUndefined();
    // Held under the same number and digest but announced with another result: not trusted.
    expect(wholeFromChange({ ...change, digest: '0'.repeat(64) }, v1)).toBeUndefined();
    // A change that does not fit the base it names (a producer's bug): asked for whole, not thrown.
    const pastTheBase = { keep: { from: v1.sections.length, count: 1 } };
    expect(wholeFromChange({ ...change, sections: [...change.sections, pastTheBase] }, v1)).toBeUndefined();
    const pastTheText = { start: v1.text.length + 1, end: v1.text.length + 2, text: 'x' };
    expect(wholeFromChange({ ...change, textEdits: [pastTheText] }, v1)).toBeUndefined();
  });

  it('refuses a forged blueprint.ingested (a raw client, another source) and plans the next genuine version', async () => {
    const planner = await startPlannerHost(store, [PlanGeneratedV1, PlanGeneratedV2, PlanRejectedV1]);
    const { bus, seen } = planner;
    try {
      const v1 = markdownBlueprint(SHOP_PLAN);
      await bus.publish(BlueprintIngestedV1, v1, { projectId: 'project-1' });
      await eventually(() => expect(seen).toHaveLength(1));
      // Version 9999 of the same blueprint, as a raw client would publish it: were it planned, every
      // genuine version after it would be refused as superseded.
      const forged = { ...markdownBlueprint(`${SHOP_PLAN}\nForged.`, { previous: v1 }), version: 9999 };
      const forgedEnvelope = buildEnvelope(BlueprintIngestedV1, forged, {
        id: 'forged-1',
        time: '2026-11-24T10:15:00.000Z',
        source: 'intruder',
        projectId: 'project-1',
      });
      await bus.publishRaw(BlueprintIngestedV1.subject, JSON.stringify(forgedEnvelope));
      const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
      await bus.publish(BlueprintIngestedV1, v2, { projectId: 'project-1' });
      await eventually(() => expect(seen).toHaveLength(2));
      expect(seen.map((e) => e.type)).toEqual([PlanGeneratedV1.type, PlanGeneratedV2.type]);
      expect((seen[1]!.data as PlanGeneratedV2).blueprintVersion).toBe(2);
      const letters = await bus.listDeadLetters({ consumer: 'planner-blueprint-ingested' });
      expect(letters).toMatchObject([{ code: 'PROVENANCE_WRONG_SOURCE', message: { id: 'forged-1' } }]);
      expect(letters[0]!.reason).toContain('source "intruder" is not "ingestion"');
    } finally {
      await planner.close();
    }
  });

  it('changes nothing when the same blueprint.ingested comes back after the duplicate window', async () => {
    // Window 0: the bus keeps the copy, as JetStream does once its duplicate window has passed.
    const planner = await startPlannerHost(store, PLAN_EVENTS, {
      duplicateWindowMs: 0,
    });
    const { bus, seen } = planner;
    try {
      const blueprint = markdownBlueprint(SHOP_PLAN);
      const sent = await bus.publish(BlueprintIngestedV1, blueprint, { correlationId: 'job-1' });
      await eventually(() => expect(seen).toHaveLength(2));
      await planner.host.relay.idle();
      const entries = (await outboxStates(store)).length;
      expect(await isHandled(store, 'planner-blueprint-ingested', sent.id)).toBe(true);

      // The copy, then the next version behind it on the same consumer: once v2 is announced, the
      // copy has been handled too, and it announced nothing (no plan revision announced again).
      await bus.publishEnvelope(sent);
      const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), {
        previous: blueprint,
      });
      await bus.publish(BlueprintIngestedV1, v2);
      await eventually(() => expect(seen).toHaveLength(4));
      await planner.host.relay.idle();
      expect(planRevisions(seen)).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect((await outboxStates(store)).length).toBe(entries + 2);
    } finally {
      await planner.close();
    }
  });
});
