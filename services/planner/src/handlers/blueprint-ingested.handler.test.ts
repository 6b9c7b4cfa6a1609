import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueprintIngestedV1, PlanGeneratedV1, TasksGeneratedV1 } from '@autopilot/contracts';
import { type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { startPlannerHost } from '../testing/planner-host';
import { SHOP_PLAN } from '../testing/sample-plans';

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
    const planner = await startPlannerHost(store, [PlanGeneratedV1, TasksGeneratedV1]);
    const { bus, seen } = planner;
    try {
      const blueprint = markdownBlueprint(SHOP_PLAN);
      await bus.publish(BlueprintIngestedV1, blueprint, { correlationId: 'job-1' });
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
      await bus.publish(BlueprintIngestedV1, blueprint);
      const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), {
        previous: blueprint,
      });
      await bus.publish(BlueprintIngestedV1, v2);
      await eventually(() => expect(seen).toHaveLength(6));
      const plans = seen.filter((e) => e.type === PlanGeneratedV1.type).map((e) => e.data as PlanGeneratedV1);
      expect(plans.map((p) => [p.revision, p.blueprintVersion])).toEqual([
        [1, 1],
        [1, 1],
        [2, 2],
      ]);
    } finally {
      await planner.close();
    }
  });
});
