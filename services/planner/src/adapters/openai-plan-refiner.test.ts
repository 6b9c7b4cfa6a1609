import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  GovernanceReserveBudgetV1,
  GovernanceSettleBudgetV1,
  type GovernanceReserveBudgetV1 as ReserveRequest,
  type GovernanceSettleBudgetV1 as SettleRequest,
} from '@autopilot/contracts';
import { systemTimers, ulidSource } from '@autopilot/kernel';
import { declareOutbox, OUTBOX_COLLECTION, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock, scriptedModelServer } from '@autopilot/testing';
import type { PlannerLog } from '../app/ports';
import { planBlueprint } from '../app/plan-blueprint';
import { plannerService } from '../index';
import { planDeps } from '../testing/plan-deps';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planRefiner, PlanRefinerError, type PlannerModelConfig } from './openai-plan-refiner';

const API_KEY = 'sk-test-0123456789-very-secret';

/** The refiner as the planner module builds it, on `baseURL`, with no budget asked. */
function refinerOn(
  baseURL: string,
  overrides: Partial<PlannerModelConfig> = {},
  bus = new InProcessMessageBus(),
) {
  return planRefiner(
    {
      model: 'test-model',
      baseURL,
      apiKey: API_KEY,
      timeoutMs: 5000,
      budget: 'unmetered',
      priceTable: {},
      ...overrides,
    },
    { bus, clock: new FakeClock(), timers: systemTimers, ids: ulidSource() },
  );
}

/** Four tasks the rules cannot settle (a task with nothing to deliver or check), one clear story. */
function vagueBlueprint(extra = '') {
  return markdownBlueprint(
    [
      '## Task 1: Polish',
      'Make it nicer.',
      '## Task 2: Clean',
      'Make it cleaner.',
      '## Task 3: Tune',
      'Make it faster.',
      '## Task 4: Trim',
      'Make it smaller.',
      '## Story 5: Login',
      '- Add `src/login.ts`',
      extra,
    ].join('\n'),
  );
}

describe('OpenAiPlanRefiner against a scripted OpenAI-compatible server', () => {
  let dir: string;
  let store: DocumentStore;
  const logLines: string[] = [];
  const log: PlannerLog = {
    info: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
    warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-refiner-'));
    store = await openSqliteStore({ file: join(dir, 'planner.db') });
    await declareOutbox(store);
    for (const spec of plannerService.collections) await store.ensureCollection(spec);
    logLines.length = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refines ambiguous nodes within the call bound, caches by section hash, and survives a bad answer', async () => {
    const server = await scriptedModelServer((user) =>
      user.includes('Task 2: Clean')
        ? { content: 'this is not json' }
        : {
            content: JSON.stringify({
              kind: 'task_spec',
              acceptanceCriteria: [`done: ${user.split('\n')[0]}`],
            }),
          },
    );
    try {
      const refiner = refinerOn(server.baseURL);
      const options = planDeps(store, { refiner, maxRefinementCalls: 3, log });

      const first = await planBlueprint(vagueBlueprint(), options);
      // Four ambiguous tasks, three calls allowed: Task 1, Task 2 (a bad answer), Task 3; Task 4 waits.
      expect(server.calls).toHaveLength(3);
      expect(first.refinement).toEqual({ calls: 3, cacheHits: 0, failures: 1, skipped: 1 });
      expect(
        server.calls.every((c) => c.path === '/v1/chat/completions' && c.body.model === 'test-model'),
      ).toBe(true);
      expect(server.calls.every((c) => c.authorization === `Bearer ${API_KEY}`)).toBe(true);
      const nodes = first.plan!.nodes;
      const byTitle = (t: string) => nodes.find((n) => n.title === t)!;
      expect(byTitle('Task 1: Polish')).toMatchObject({ origin: 'llm' });
      expect(byTitle('Task 1: Polish').ambiguity).toBeUndefined();
      expect(byTitle('Task 2: Clean')).toMatchObject({ origin: 'rules', kind: 'task_spec' }); // kept
      expect(byTitle('Task 4: Trim')).toMatchObject({ origin: 'rules' });
      const polish = first.tasks!.tasks.find((t) => t.title === 'Task 1: Polish')!;
      expect(polish.acceptanceCriteria).toEqual(['done: Heading path: Task 1: Polish']);
      expect(
        logLines.some((l) => l.includes('plan refinement failed') && l.includes(byTitle('Task 2: Clean').id)),
      ).toBe(true);

      // A new version with only the story changed: cached answers make no call; the bound lets the
      // two unrefined tasks through (Task 2 again, Task 4 for the first time).
      const second = await planBlueprint(vagueBlueprint('- Add `src/logout.ts`'), options);
      expect(second.outcome).toBe('planned');
      expect(second.refinement).toEqual({ calls: 2, cacheHits: 2, failures: 1, skipped: 0 });
      expect(server.calls).toHaveLength(5);
      expect(server.calls.slice(3).map((c) => c.body.messages[1]!.content.split('\n')[0])).toEqual([
        'Heading path: Task 2: Clean',
        'Heading path: Task 4: Trim',
      ]);

      // The key never leaves the client: not in logs, errors, events or stored documents.
      const outbox = await store.collection(OUTBOX_COLLECTION).find({}, { limit: 100 });
      const refinements = await store.collection('plan_refinements').find({}, { limit: 100 });
      expect(refinements.items).toHaveLength(3);
      const everything = JSON.stringify([logLines, outbox.items, refinements.items, first, second, refiner]);
      expect(everything).not.toContain(API_KEY);
    } finally {
      await server.close();
    }
  });

  it('makes no call without a model, and the plan is complete', async () => {
    const result = await planBlueprint(vagueBlueprint(), planDeps(store, { log }));
    expect(result.refinement).toEqual({ calls: 0, cacheHits: 0, failures: 0, skipped: 4 });
    expect(result.tasks!.tasks.map((t) => t.title)).toEqual([
      'Task 1: Polish',
      'Task 2: Clean',
      'Task 3: Tune',
      'Task 4: Trim',
      'Story 5: Login',
    ]);
  });

  it('reports an HTTP failure without the key', async () => {
    const server = await scriptedModelServer(() => ({
      status: 500,
      content: `upstream rejected ${API_KEY}`,
    }));
    try {
      const refiner = refinerOn(server.baseURL);
      const err = await refiner
        .refine({ nodeId: 'n1', system: 's', user: 'u', projectId: 'p1', planningId: 'plan-bp-1-v1' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlanRefinerError);
      expect((err as PlanRefinerError).message).toContain('HTTP 500');
      expect((err as PlanRefinerError).message).not.toContain(API_KEY);
      expect(server.calls).toHaveLength(1); // no client-side retries
    } finally {
      await server.close();
    }
  });
  it('charges each call to the project through governance when AUTOPILOT_PLANNER_BUDGET=governance', async () => {
    const server = await scriptedModelServer(() => ({
      content: JSON.stringify({ kind: 'task_spec', acceptanceCriteria: ['it is done'] }),
    }));
    const bus = new InProcessMessageBus();
    const reserves: ReserveRequest[] = [];
    const settles: SettleRequest[] = [];
    const remaining = { run: 1, daily: 1, weekly: 1 };
    await bus.serve(GovernanceReserveBudgetV1, (req) => {
      reserves.push(req);
      // The second call finds the run cap of this planning spent: that node keeps its rule-based form.
      return Promise.resolve(
        reserves.length === 2
          ? {
              granted: false,
              reason: 'the run cap would be passed',
              exceededScope: 'run' as const,
              remaining,
            }
          : { granted: true, reservationId: req.reservationId!, remaining },
      );
    });
    await bus.serve(GovernanceSettleBudgetV1, (req) => {
      settles.push(req);
      return Promise.resolve({ settled: true, releasedUsd: 0, overrunUsd: 0, remaining });
    });
    try {
      const priceTable = {
        'test-model': { inputUsdPerMillion: 1, cachedInputUsdPerMillion: 0.5, outputUsdPerMillion: 2 },
      };
      const refiner = refinerOn(server.baseURL, { budget: 'governance', priceTable }, bus);
      const result = await planBlueprint(
        vagueBlueprint(),
        planDeps(store, { refiner, maxRefinementCalls: 3, log }),
      );
      expect(result.refinement).toEqual({ calls: 3, cacheHits: 0, failures: 1, skipped: 1 });
      expect(server.calls).toHaveLength(2); // the refused reservation made no call
      expect(reserves.map((r) => [r.projectId, r.runId, r.model])).toEqual(
        Array.from({ length: 3 }, () => ['project-1', 'plan-bp-1-v1', 'test-model']),
      );
      expect(reserves.every((r) => r.maxTokens === 1000 && r.estimateUsd > 0)).toBe(true);
      expect(settles.map((s) => s.reservationId)).toEqual([
        reserves[0]!.reservationId,
        reserves[2]!.reservationId,
      ]);
      for (const [i, settle] of settles.entries()) {
        expect(settle.usage).toEqual({
          inputTokens: server.calls[i]!.promptTokens,
          cachedInputTokens: 0,
          outputTokens: expect.any(Number),
        });
        expect(settle.actualUsd).toBeGreaterThan(0);
      }
      expect(logLines.some((l) => l.includes('MODEL_BUDGET_REFUSED') && l.includes('run cap'))).toBe(true);
    } finally {
      await bus.close();
      await server.close();
    }
  });
});
