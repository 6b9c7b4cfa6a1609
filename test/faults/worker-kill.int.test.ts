/// <reference types="jest" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JetStreamMessageBus } from '@autopilot/bus/jetstream';
import { connectJetStreamBus } from '@autopilot/bus/jetstream';
import {
  ManagerCreateProjectV1,
  RepoScannedV1,
  RunFinishedV1,
  RunStartedV1,
  RunUpdatedV1,
  StepRecordedV1,
  TasksGeneratedV1,
  TaskUpdatedV1,
  type TaskSpec,
} from '@autopilot/contracts';
import {
  eventually,
  startNatsServer,
  startScriptedModel,
  type NatsServerHandle,
  type ScriptedAnswer,
  type ScriptedModel,
  type ScriptedModelCall,
  tasksGenerated,
} from '@autopilot/testing';
import { CliProcess, ensureBuilt } from '../e2e/cli-process';
import { diagnostics, explainingFailure, stopProcess, waitUntilReady } from '../e2e/service-process';
import { gitIn, gitRepository } from '../e2e/worker-cluster';

/**
 * Issue 15: "three worker processes on a real nats-server sharing the queue; SIGKILL of a worker
 * mid-run: the run finishes once, on another worker, with no duplicate commit and no lost commit".
 * The built `autopilot service` runs the manager, governance and three workers as processes on
 * JetStream; a scripted OpenAI-compatible model (HTTP, in this test) drives each run by what its
 * conversation holds: fix the task's file, run the tests, finish. The repository's tests take a
 * second and a half, so the worker holding the first task is killed while its tests run.
 */
const FILES = ['alpha', 'beta', 'gamma'];
const PRICE_TABLE = JSON.stringify({
  'scripted-demo': { inputUsdPerMillion: 1, cachedInputUsdPerMillion: 0.25, outputUsdPerMillion: 4 },
});

function repositoryFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: 'three',
        private: true,
        // Slow enough to kill a worker while its tests run.
        scripts: { test: 'node -e "setTimeout(() => {}, 1500)" && node --test' },
      },
      null,
      2,
    )}\n`,
  };
  for (const name of FILES) {
    files[`src/${name}.js`] = `'use strict';\nmodule.exports = () => 'broken';\n`;
    // Each task fixes one module while the others stay as they are: a module's test accepts it
    // unfixed, so one task's tests never wait for another's (the branch's content is asserted below).
    files[`test/${name}.test.js`] =
      `'use strict';\nconst { test } = require('node:test');\nconst assert = require('node:assert/strict');\n` +
      `test('${name}', () => assert.match(require('../src/${name}')(), /^(broken|${name})$/));\n`;
  }
  return files;
}

/** The scripted model: by the task it is given (the file named in its prompt) and the tool results so far. */
function answer(call: ScriptedModelCall): ScriptedAnswer {
  const prompt = call.body.messages
    .filter((m) => m.role !== 'tool')
    .map((m) => m.content)
    .join('\n');
  const name = FILES.find((f) => prompt.includes(`FIXES src/${f}.js`));
  if (!name) return { text: 'no task recognised in the prompt' };
  const results = call.body.messages.filter((m) => m.role === 'tool').length;
  if (results === 0) {
    return {
      toolCalls: [
        {
          name: 'str_replace',
          arguments: { path: `src/${name}.js`, old_str: "'broken'", new_str: `'${name}'` },
        },
      ],
    };
  }
  if (results === 1) return { toolCalls: [{ name: 'run_command', arguments: { argv: ['npm', 'test'] } }] };
  return {
    toolCalls: [{ name: 'finish', arguments: { summary: `src/${name}.js fixed`, confidence: 0.95 } }],
  };
}

describe('three worker processes on NATS, one SIGKILLed mid-run', () => {
  let nats: NatsServerHandle | undefined;
  let model: ScriptedModel | undefined;
  let dir: string | undefined;
  const buses: JetStreamMessageBus[] = [];
  const processes: { name: string; cli: CliProcess }[] = [];
  const explain = (): string => processes.map((p) => diagnostics(p.name, p.cli)).join('\n');

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    for (const { cli } of processes) await stopProcess(cli);
    await model?.close();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every run finishes once, the killed one on another worker, no commit duplicated or lost', async () => {
    await explainingFailure(survivesTheKill, explain);
  }, 240_000);

  async function survivesTheKill(): Promise<void> {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-worker-kill-'));
    if (!process.env.NATS_URL) nats = await startNatsServer();
    const url = process.env.NATS_URL ?? (nats as NatsServerHandle).url;
    model = await startScriptedModel({ fallback: answer });
    const repo = gitRepository(dir, repositoryFiles());
    const mainBefore = gitIn(repo, 'rev-parse', 'main');
    const projectId = `wkill-${Date.now().toString(36)}`;

    const start = async (name: string, service: string, env: Record<string, string>): Promise<CliProcess> => {
      const cli = new CliProcess(['service', service, '--port', '0'], {
        NATS_URL: url,
        AUTOPILOT_DIR: join(dir!, 'state', name),
        ...env,
      });
      processes.push({ name, cli });
      await waitUntilReady(cli, service);
      return cli;
    };
    await start('manager', 'manager', {
      AUTOPILOT_MANAGER_TICK_MS: '200',
      // Long enough that a busy machine's slow step does not lapse a live worker's lease; the
      // killed worker's lapses after it.
      AUTOPILOT_MANAGER_RUN_LEASE_MS: '15000',
    });
    await start('governance', 'governance', { AUTOPILOT_PRICE_TABLE: PRICE_TABLE });
    const workers = new Map<string, CliProcess>();
    for (const id of ['w1', 'w2', 'w3']) {
      workers.set(
        id,
        await start(id, 'worker', {
          AUTOPILOT_WORKER_ID: id,
          AUTOPILOT_WORKER_MODEL: 'scripted-demo',
          OPENAI_BASE_URL: model.baseURL,
          OPENAI_API_KEY: 'sk-test-worker-kill',
          AUTOPILOT_PRICE_TABLE: PRICE_TABLE,
          AUTOPILOT_WORKER_CACHE_DIR: join(dir, 'cache', id),
          AUTOPILOT_WORKER_HEARTBEAT_MS: '500',
        }),
      );
    }

    const connect = async (source: string): Promise<JetStreamMessageBus> => {
      const b = await connectJetStreamBus({ servers: url, source, log: () => undefined });
      buses.push(b);
      return b;
    };
    const gateway = await connect('gateway');
    const ingestion = await connect('ingestion');
    const planner = await connect('planner');
    const status = new Map<string, { revision: number; status: string }>();
    const started: RunStartedV1[] = [];
    const finished: RunFinishedV1[] = [];
    /** The manager's view of each run: its latest state. */
    const runs = new Map<string, { revision: number; status: string; taskId: string; branch: string }>();
    const testSteps = new Map<string, number>();
    const stepLog: string[] = [];
    const mine = (p: { projectId: string }) => p.projectId === projectId;
    await gateway.subscribe(TaskUpdatedV1, `wk-${projectId}-tasks`, async (d) => {
      const t = d.payload;
      const seen = status.get(t.id);
      if (mine(t) && (!seen || seen.revision < t.revision))
        status.set(t.id, { revision: t.revision, status: t.status });
    });
    await gateway.subscribe(RunStartedV1, `wk-${projectId}-started`, async (d) => {
      if (mine(d.payload)) started.push(d.payload);
    });
    await gateway.subscribe(RunFinishedV1, `wk-${projectId}-finished`, async (d) => {
      if (mine(d.payload)) finished.push(d.payload);
    });
    await gateway.subscribe(RunUpdatedV1, `wk-${projectId}-runs`, async (d) => {
      const r = d.payload;
      const seen = runs.get(r.id);
      if (mine(r) && (!seen || seen.revision < r.revision))
        runs.set(r.id, { revision: r.revision, status: r.status, taskId: r.taskId, branch: r.branch });
    });
    await gateway.subscribe(StepRecordedV1, `wk-${projectId}-steps`, async (d) => {
      const s = d.payload;
      if (mine(s)) stepLog.push(`${s.taskId} ${s.status}: ${(s.summary ?? '').slice(0, 300)}`);
      if (mine(s) && /run_command/.test(s.summary ?? ''))
        testSteps.set(s.runId, (testSteps.get(s.runId) ?? 0) + 1);
    });

    const repoRef = { location: repo, defaultBranch: 'main' };
    await gateway.publish(
      ManagerCreateProjectV1,
      {
        projectId,
        name: 'Worker kill',
        repo: repoRef,
        autonomyMode: 'full_auto',
        maxParallel: 3,
        budgets: { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 },
        requestedBy: { kind: 'system', id: 'faults' },
      },
      { projectId },
    );
    await ingestion.publish(
      RepoScannedV1,
      {
        projectId,
        jobId: `scan-${projectId}`,
        repo: repoRef,
        commit: mainBefore,
        toolchains: [
          { name: 'node', manifestPath: 'package.json', tool: 'npm', testCommand: ['npm', 'test'] },
        ],
        languages: [{ name: 'JavaScript', files: 6 }],
        fileCount: 7,
        topLevelPaths: ['package.json', 'src/', 'test/'],
        scannedAt: new Date().toISOString(),
      },
      { projectId },
    );
    const tasks: TaskSpec[] = FILES.map((name) => ({
      id: `fix-${name}`,
      title: `Fix ${name}`,
      description: `FIXES src/${name}.js: it must return '${name}'.`,
      kind: 'code',
      planNodeId: `node-${name}`,
      dependsOn: [],
      scopePaths: [`src/${name}.js`],
      validationCommands: [['npm', 'test']],
      risk: 'low',
    }));
    await planner.publish(
      TasksGeneratedV1,
      tasksGenerated(projectId, tasks, { generatedAt: new Date().toISOString() }),
      { projectId },
    );

    // The worker running fix-alpha is killed while its tests run (its first run_command step).
    const victim = await eventually(
      () => {
        const run = started.find((s) => s.taskId === 'fix-alpha');
        if (!run || !testSteps.has(run.runId)) throw new Error('fix-alpha has not started its tests yet');
        return run;
      },
      { timeoutMs: 90_000, intervalMs: 20 },
    );
    const killed = workers.get(victim.workerId)!;
    killed.child.kill('SIGKILL');
    await killed.exited;

    // Every task succeeded, and every run's own events say how it ended: `task.updated`,
    // `run.updated` and `run.finished` come on subscriptions of their own, in no order among them.
    await eventually(
      () => {
        const done = tasks.filter((t) => status.get(t.id)?.status === 'succeeded').length;
        if (done < tasks.length)
          throw new Error(`${done} of ${tasks.length} tasks succeeded; steps:\n${stepLog.join('\n')}`);
        const told = [...runs].filter(
          ([runId, r]) =>
            r.status === 'succeeded' && finished.some((f) => f.runId === runId && f.outcome === 'succeeded'),
        ).length;
        if (told < tasks.length || runs.get(victim.runId)?.status !== 'succeeded')
          throw new Error(`${told} of ${tasks.length} runs told as succeeded (run.updated and run.finished)`);
      },
      { timeoutMs: 150_000, intervalMs: 200 },
    );

    // The killed run went on under a new lease on another worker, and finished once.
    const alpha = started.filter((s) => s.runId === victim.runId);
    expect(alpha.length).toBeGreaterThanOrEqual(2);
    expect(alpha.at(-1)!.workerId).not.toBe(victim.workerId);
    expect(alpha.at(-1)!.fencingToken).toBeGreaterThan(victim.fencingToken);
    expect(runs.get(victim.runId)?.status).toBe('succeeded');
    for (const task of tasks) {
      // The manager accepted one success per task (a stale worker's late result is refused by its token).
      const succeeded = [...runs].filter(([, r]) => r.taskId === task.id && r.status === 'succeeded');
      expect(succeeded).toHaveLength(1);
      const [runId, run] = succeeded[0]!;
      const accepted = finished.filter((f) => f.runId === runId && f.outcome === 'succeeded').at(-1)!;
      const branch = run.branch;
      const name = task.id.slice('fix-'.length);
      // The fix is on the branch once: one commit changed the file, and nothing else did.
      expect(gitIn(repo, 'show', `${branch}:src/${name}.js`)).toContain(`'${name}'`);
      expect(
        gitIn(repo, 'log', '--format=%H', `main..${branch}`, '--', `src/${name}.js`).split('\n'),
      ).toHaveLength(1);
      expect(gitIn(repo, 'rev-parse', `${branch}`)).toBe(accepted.headCommit);
    }
    // Work spread over the workers; the default branch never moved.
    expect(new Set(started.map((s) => s.workerId)).size).toBeGreaterThanOrEqual(2);
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(mainBefore);
  }
});
