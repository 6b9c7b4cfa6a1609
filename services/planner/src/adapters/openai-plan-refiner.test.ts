import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { declareOutbox, OUTBOX_COLLECTION, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { scriptedModelServer } from '@autopilot/testing';
import type { PlannerLog } from '../app/ports';
import { planBlueprint } from '../app/plan-blueprint';
import { plannerService } from '../index';
import { planDeps } from '../testing/plan-deps';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { OpenAiPlanRefiner, PlanRefinerError } from './openai-plan-refiner';

const API_KEY = 'sk-test-0123456789-very-secret';

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
      const refiner = new OpenAiPlanRefiner({
        model: 'test-model',
        baseURL: server.baseURL,
        apiKey: API_KEY,
        timeoutMs: 5000,
      });
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
      const refiner = new OpenAiPlanRefiner({
        model: 'test-model',
        baseURL: server.baseURL,
        apiKey: API_KEY,
        timeoutMs: 5000,
      });
      const err = await refiner.refine({ nodeId: 'n1', system: 's', user: 'u' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlanRefinerError);
      expect((err as PlanRefinerError).message).toContain('HTTP 500');
      expect((err as PlanRefinerError).message).not.toContain(API_KEY);
      expect(server.calls).toHaveLength(1); // no client-side retries
    } finally {
      await server.close();
    }
  });
});
