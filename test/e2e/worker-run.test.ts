import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ApprovalRequestedV1,
  GovernanceDecideApprovalV1,
  RunFinishedV1,
  RunStartedV1,
  RunSuspendedV1,
  StepRecordedV1,
  TaskUpdatedV1,
  type Approval,
  type RunStartedV1 as RunStarted,
  type RunSuspendedV1 as RunSuspended,
  type RunFinishedV1 as RunFinished,
  type Task,
  type TaskSpec,
} from '@autopilot/contracts';
import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import { eventually, startScriptedModel, type ScriptedModel } from '@autopilot/testing';
import {
  gitIn,
  gitRepository,
  projectWithTasks,
  startWorkerCluster,
  TEST_API_KEY,
  type WorkerCluster,
} from './worker-cluster';

/**
 * Issue 15 with real parts: the manager dispatches, the worker provisions a git worktree from the
 * project's repository, a scripted OpenAI-compatible model (HTTP, labelled scripted) drives the
 * tools, governance judges every write and command and admits every model call, the quality gate
 * runs the repository's own tests, and the branch that comes back holds the fix.
 */
const SUM_REPO = {
  'package.json': `${JSON.stringify({ name: 'sum', version: '1.0.0', private: true, scripts: { test: 'node --test' } }, null, 2)}\n`,
  'src/sum.js': "'use strict';\nmodule.exports = { sum: (a, b) => a - b };\n",
  'test/sum.test.js':
    "'use strict';\nconst { test } = require('node:test');\nconst assert = require('node:assert/strict');\nconst { sum } = require('../src/sum');\n\ntest('adds', () => assert.equal(sum(2, 3), 5));\n",
};

const FIX_SUM: TaskSpec = {
  id: 'fix-sum',
  title: 'Fix sum so it adds',
  description: '`sum(a, b)` in `src/sum.js` subtracts; it must add. The test in `test/sum.test.js` shows it.',
  kind: 'code',
  planNodeId: 'node-fix-sum',
  dependsOn: [],
  scopePaths: ['src/**'],
  validationCommands: [['npm', 'test']],
  acceptanceCriteria: ['npm test passes'],
  risk: 'low',
};

describe('a run on a real worker, driven by a scripted model', () => {
  let cluster: WorkerCluster | undefined;
  let model: ScriptedModel | undefined;
  let root: string | undefined;
  let tracing: MemoryTracing;
  beforeAll(() => {
    tracing = installMemoryTracing();
  });
  afterAll(() => tracing.shutdown());
  afterEach(async () => {
    await cluster?.close();
    await model?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    cluster = model = root = undefined;
  });

  const taskStatus = (c: WorkerCluster, id: string): string | undefined =>
    (
      c.seen.filter((e) => e.type === TaskUpdatedV1.type && (e.data as Task).id === id).at(-1)?.data as
        Task | undefined
    )?.status;

  it('fixes the bug on its own branch, tests passing, the default branch untouched, the key nowhere', async () => {
    root = mkdtempSync(join(tmpdir(), 'ap-worker-run-'));
    const repo = gitRepository(root, SUM_REPO);
    const mainBefore = gitIn(repo, 'rev-parse', 'main');
    model = await startScriptedModel({
      turns: [
        { toolCalls: [{ name: 'view_file', arguments: { path: 'src/sum.js' } }] },
        {
          toolCalls: [
            { name: 'str_replace', arguments: { path: 'src/sum.js', old_str: 'a - b', new_str: 'a + b' } },
          ],
        },
        { toolCalls: [{ name: 'run_command', arguments: { argv: ['npm', 'test'] } }] },
        {
          toolCalls: [
            { name: 'finish', arguments: { summary: 'sum adds now; npm test passes', confidence: 0.95 } },
          ],
        },
      ],
    });
    const c = (cluster = await startWorkerCluster({ modelBaseURL: model.baseURL }));
    await projectWithTasks(c, 'p-sum', repo, [FIX_SUM]);

    await eventually(() => expect(taskStatus(c, 'fix-sum')).toBe('succeeded'), { timeoutMs: 60_000 });
    const finished = c.seen.find((e) => e.type === RunFinishedV1.type)!.data as RunFinished;
    expect(finished).toMatchObject({ outcome: 'succeeded', diff: { filesChanged: 1 } });
    expect(finished.tests.passed).toBeGreaterThanOrEqual(1);
    expect(finished.costUsd).toBeGreaterThan(0);
    // Done is a claim: the gate's checks and each criterion with the command that checked it.
    expect(finished.gates).toEqual(
      expect.arrayContaining([
        { name: 'tests', passed: true },
        { name: 'scope', passed: true },
        { name: 'protected_paths', passed: true },
      ]),
    );
    expect(finished.criteria).toEqual([{ criterion: 'npm test passes', checkedBy: ['npm', 'test'] }]);
    expect(finished.tokens.input).toBeGreaterThan(0);

    // The branch is in the project's repository, beyond main, holding the fix; main did not move.
    const branch = finished.branch!;
    expect(branch).toMatch(/^autopilot\/fix-sum-so-it-adds-[a-z0-9]{1,8}$/);
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(Number(gitIn(repo, 'rev-list', '--count', `main..${branch}`))).toBeGreaterThanOrEqual(1);
    expect(gitIn(repo, 'show', `${branch}:src/sum.js`)).toContain('a + b');
    expect(gitIn(repo, 'log', '-1', '--format=%B', branch)).toMatch(/fix-sum/);

    // The branch's own tests pass in a fresh checkout of it.
    const check = join(root, 'check');
    gitIn(repo, 'worktree', 'add', '-q', check, branch);
    expect(execFileSync(process.execPath, ['--test'], { cwd: check, encoding: 'utf8' })).toMatch(/# fail 0/);

    // Every call carried the key to the provider, and nothing we recorded carries it.
    expect(model.calls.length).toBeGreaterThanOrEqual(4);
    expect(model.calls.every((call) => call.authorization === `Bearer ${TEST_API_KEY}`)).toBe(true);
    expect(JSON.stringify(c.seen)).not.toContain(TEST_API_KEY);
    expect(gitIn(repo, 'log', '--all', '-p')).not.toContain(TEST_API_KEY);
    expect(c.logs.length).toBeGreaterThan(0);
    expect(c.logs.join('\n')).not.toContain(TEST_API_KEY);
    // The run's trace: a span per step and per model call (GenAI attributes, cost), none with the key.
    const spans = tracing.spans();
    const modelSpans = spans.filter((sp) => sp.attributes['gen_ai.usage.input_tokens'] !== undefined);
    expect(modelSpans.length).toBeGreaterThanOrEqual(4);
    expect(modelSpans.every((sp) => typeof sp.attributes['autopilot.cost_usd'] === 'number')).toBe(true);
    expect([...new Set(spans.map((sp) => sp.name))].filter((n) => !n.startsWith('process'))).toContain(
      'step command',
    );
    expect(JSON.stringify(spans.map((sp) => [sp.name, sp.attributes, sp.events]))).not.toContain(
      TEST_API_KEY,
    );
    expect(c.seen.filter((e) => e.type === StepRecordedV1.type).length).toBeGreaterThanOrEqual(3);
  }, 90_000);

  it('a write to a protected path suspends the run; approved, the run resumes from its checkpoint and does nothing twice', async () => {
    root = mkdtempSync(join(tmpdir(), 'ap-worker-approval-'));
    const repo = gitRepository(root, {
      ...SUM_REPO,
      'src/sum.js': "'use strict';\nmodule.exports = { sum: (a, b) => a + b };\n",
    });
    const workflow =
      'name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n';
    model = await startScriptedModel({
      turns: [
        {
          toolCalls: [
            { name: 'create_file', arguments: { path: '.github/workflows/ci.yml', content: workflow } },
          ],
        },
        { toolCalls: [{ name: 'run_command', arguments: { argv: ['npm', 'test'] } }] },
        { toolCalls: [{ name: 'finish', arguments: { summary: 'CI runs npm test', confidence: 0.9 } }] },
      ],
    });
    const c = (cluster = await startWorkerCluster({ modelBaseURL: model.baseURL }));
    await projectWithTasks(c, 'p-ci', repo, [
      {
        ...FIX_SUM,
        id: 'add-ci',
        title: 'Run the tests in CI',
        description: 'Add `.github/workflows/ci.yml` running `npm test`.',
        planNodeId: 'node-add-ci',
        scopePaths: ['.github/**'],
      },
    ]);

    const requested = await eventually(
      () => {
        const r = c.seen.find((e) => e.type === ApprovalRequestedV1.type);
        expect(r).toBeDefined();
        return r!.data as Approval;
      },
      { timeoutMs: 60_000 },
    );
    expect(requested).toMatchObject({
      taskId: 'add-ci',
      action: { kind: 'file_write', paths: ['.github/workflows/ci.yml'] },
    });
    const suspended = await eventually(() => {
      const s = c.seen.find((e) => e.type === RunSuspendedV1.type);
      expect(s).toBeDefined();
      return s!.data as RunSuspended;
    });
    expect(suspended).toMatchObject({ reason: 'awaiting_approval', approvalId: requested.id });
    await eventually(() => expect(taskStatus(c, 'add-ci')).toBe('awaiting_approval'));
    // Nothing was written before the decision; the conversation waits in a note beside the branch.
    const branch = gitIn(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/autopilot/');
    expect(branch).toMatch(/^autopilot\/run-the-tests-in-ci-/);
    expect(() => gitIn(repo, 'show', `${branch}:.github/workflows/ci.yml`)).toThrow();
    expect(gitIn(repo, 'for-each-ref', '--format=%(refname)', 'refs/notes/autopilot/')).toContain(
      suspended.runId,
    );
    expect(model.calls).toHaveLength(1);

    // The worker that suspended it goes away with its disk; another one resumes the run.
    await c.replaceWorker('second-worker');

    await c.send('gateway', GovernanceDecideApprovalV1, {
      approvalId: requested.id,
      projectId: 'p-ci',
      decision: 'approved',
      decidedBy: { kind: 'user', id: 'ada' },
    });
    await eventually(
      () => {
        const ended = c.seen.find((e) => e.type === RunFinishedV1.type)?.data as RunFinished | undefined;
        expect(ended?.failure ?? ended?.outcome).toBe('succeeded');
      },
      { timeoutMs: 60_000 },
    );
    await eventually(() => expect(taskStatus(c, 'add-ci')).toBe('succeeded'));
    const finished = c.seen.find((e) => e.type === RunFinishedV1.type)!.data as RunFinished;
    expect(finished).toMatchObject({ runId: suspended.runId, outcome: 'succeeded', fencingToken: 2 });
    expect(gitIn(repo, 'show', `${finished.branch}:.github/workflows/ci.yml`)).toBe(workflow.trimEnd());
    // One commit wrote the workflow, and the model was not asked again for the approved write.
    expect(
      gitIn(repo, 'log', '--format=%H', finished.branch!, '--', '.github/workflows/ci.yml').split('\n'),
    ).toHaveLength(1);
    expect(model.calls).toHaveLength(3);
    const starts = c.seen.filter((e) => e.type === RunStartedV1.type).map((e) => e.data as RunStarted);
    expect(starts.map((st) => [st.workerId === 'second-worker', st.fencingToken])).toEqual([
      [false, 1],
      [true, 2],
    ]);
  }, 120_000);
});
