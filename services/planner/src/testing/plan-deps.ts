import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import { declareOutbox, pendingOutbox, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import type { Envelope } from '@autopilot/contracts';
import { StorePlanRepository } from '../adapters/plan-repository';
import { StoreRefinementCache } from '../adapters/refinement-cache';
import { StoreRepoViewRepository } from '../adapters/repo-view-repository';
import { blueprintAnchorBuilder } from '../app/plan-anchor-builder';
import type { PlanBlueprintDeps } from '../app/plan-blueprint';
import type { PlannerLog } from '../app/ports';
import { plannerService } from '../index';

/** Envelope ids 01JDP0EVT…1, …2, …: predictable in assertions. */
export function countingIds(): IdSource {
  let n = 0;
  return { next: () => `01JDP0EVT${String(++n).padStart(17, '0')}` };
}

/** A planner store in a temporary directory, with its collections and outbox declared. */
export interface PlannerStoreFixture {
  readonly store: DocumentStore;
  /** Envelopes waiting in the outbox, in append order. */
  outbox(): Promise<Envelope[]>;
  dispose(): Promise<void>;
}

export async function plannerStoreFixture(): Promise<PlannerStoreFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-planner-'));
  const store = await openSqliteStore({ file: join(dir, 'planner.db') });
  await declareOutbox(store);
  for (const spec of plannerService.collections) await store.ensureCollection(spec);
  return {
    store,
    outbox: async () => (await pendingOutbox(store, 1000)).map((e) => e.envelope),
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The use case's dependencies over `store`: rules only, a fake clock, counting ids, silent log. */
export function planDeps(
  store: DocumentStore,
  overrides: Partial<PlanBlueprintDeps> = {},
): PlanBlueprintDeps {
  const clock = new FakeClock();
  const log: PlannerLog = { info: () => undefined, warn: () => undefined };
  return {
    plans: new StorePlanRepository(store, clock),
    repoViews: new StoreRepoViewRepository(store),
    refinements: new StoreRefinementCache(store, clock),
    anchors: blueprintAnchorBuilder,
    refiner: null,
    log,
    clock,
    envelopes: outboxEnvelopesFor({ source: 'planner', clock, ids: countingIds() }),
    maxRefinementCalls: 20,
    ...overrides,
  };
}
