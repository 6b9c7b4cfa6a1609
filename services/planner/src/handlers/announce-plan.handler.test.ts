import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlueprintIngestedV1,
  buildEnvelope,
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlannerAnnouncePlanV1,
  TasksGeneratedV1,
  wholePlanGenerated,
  type PlanGeneratedV1 as PlanGenerated,
} from '@autopilot/contracts';
import type { DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { planIdFor } from '../domain/plan/plan-ids';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { startPlannerHost, type PlannerHost } from '../testing/planner-host';
import { SHOP_PLAN } from '../testing/sample-plans';

const planId = planIdFor('project-1', 'bp-1');

/** The command as the manager sends it (the host's bus stamps its own messages as ingestion's). */
async function sendAnnouncePlan(
  planner: PlannerHost,
  id: string,
  data: PlannerAnnouncePlanV1,
): Promise<void> {
  await planner.bus.publishEnvelope(
    buildEnvelope(PlannerAnnouncePlanV1, data, {
      id,
      time: '2026-11-24T10:15:00.000Z',
      source: 'manager',
      projectId: data.projectId,
      correlationId: `${id}-corr`,
    }),
  );
}

describe('AnnouncePlanHandler (the planner service over the in-process bus)', () => {
  let dir: string;
  let store: DocumentStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-planner-announce-'));
    store = await openSqliteStore({ file: join(dir, 'planner.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers cmd.planner.announce_plan with the stored revision whole, and tells the next one as a change to it', async () => {
    const v1 = markdownBlueprint(SHOP_PLAN);
    const first = await startPlannerHost(store, [PlanGeneratedV1]);
    try {
      await first.bus.publish(BlueprintIngestedV1, v1, { projectId: 'project-1', correlationId: 'job-1' });
      await eventually(() => expect(first.seen).toHaveLength(1));
    } finally {
      await first.close();
    }

    // A new process: asked for revision 1 whole (a consumer that does not hold it), then revision 2.
    const planner = await startPlannerHost(store, [PlanGeneratedV1, TasksGeneratedV1, PlanGeneratedV2]);
    try {
      await sendAnnouncePlan(planner, 'cmd-1', {
        projectId: 'project-1',
        planId,
        revision: 1,
        jobId: 'job-1',
      });
      await eventually(() => expect(planner.seen).toHaveLength(2));
      expect(planner.seen.map((e) => [e.type, e.correlationId, e.causationId])).toEqual([
        [PlanGeneratedV1.type, 'job-1', 'cmd-1'],
        [TasksGeneratedV1.type, 'job-1', 'cmd-1'],
      ]);
      const announced = planner.seen[0]!.data as PlanGenerated;
      expect(announced.revision).toBe(1);

      const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
      await planner.bus.publish(BlueprintIngestedV1, v2, { projectId: 'project-1', correlationId: 'job-2' });
      await eventually(() => expect(planner.seen).toHaveLength(3));
      const change = planner.seen[2]!;
      expect(change.type).toBe(PlanGeneratedV2.type);
      const whole = wholePlanGenerated(change.data as PlanGeneratedV2, announced);
      expect(whole).toMatchObject({ revision: 2, blueprintVersion: 2 });
      expect(whole.nodes.map((n) => n.title)).toEqual(announced.nodes.map((n) => n.title));
    } finally {
      await planner.close();
    }
  });

  it('dead-letters a command for a plan it does not store, without retrying it', async () => {
    const planner = await startPlannerHost(store, [PlanGeneratedV1]);
    try {
      await sendAnnouncePlan(planner, 'cmd-9', { projectId: 'project-1', planId: 'plan-nope', revision: 1 });
      await eventually(async () =>
        expect(await planner.bus.listDeadLetters({ consumer: 'planner-announce-plan' })).toMatchObject([
          { code: 'BUS_NON_RETRYABLE', deliveryCount: 1, message: { id: 'cmd-9' } },
        ]),
      );
      expect(planner.seen).toEqual([]);
    } finally {
      await planner.close();
    }
  });
});
