/// <reference types="jest" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  ManagerCreateProjectV1,
  RunFinishedV1,
  RunStartedV1,
  TasksGeneratedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type TaskSpec,
} from '@autopilot/contracts';
import { managerService } from '@autopilot/manager';
import { declareOutbox, failedOutbox, pendingOutbox, type Doc } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import {
  eventually,
  runFinished,
  runStarted,
  startNatsServer,
  type NatsServerHandle,
  tasksGenerated,
} from '@autopilot/testing';
import { CliProcess, ensureBuilt } from '../e2e/cli-process';
import { diagnostics, explainingFailure, stopProcess, waitUntilReady } from '../e2e/service-process';

/**
 * The issue: "a manager restarted after kill -9 reconciles stored state with what arrived meanwhile
 * and carries on with nothing dispatched twice and nothing forgotten", with a real kill. The built
 * `autopilot service manager` runs on JetStream (NATS_URL, else a nats-server of this test's own);
 * the test plays the gateway (create_project), the planner (tasks.generated: a 30-task DAG in
 * layers) and a stub worker that takes `worker.execute_run` from the work queue and answers, after
 * a short while, with the real `run.started` and `run.finished`. Once 8 runs have been taken the
 * manager gets SIGKILL, mid-dispatch; a second process on the same store carries on, picking up the
 * workers' reports that arrived meanwhile (and, after the consumers' ack wait, the ones the dead
 * process held unacked).
 *
 * Every task must end succeeded, each with exactly one `worker.execute_run` (distinct envelope ids
 * per task and attempt, as the stub saw them) and one stored run, nothing left in the outbox.
 */

const TASKS = 30;
const LAYER = 5;

describe('the manager SIGKILLed mid-dispatch and restarted', () => {
  let nats: NatsServerHandle | undefined;
  let dir: string | undefined;
  const buses: JetStreamMessageBus[] = [];
  const processes: CliProcess[] = [];
  const explain = (): string => processes.map((p, i) => diagnostics(`manager #${i + 1}`, p)).join('\n');

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    for (const cli of processes) await stopProcess(cli);
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every task ends succeeded, none dispatched twice, nothing forgotten', async () => {
    await explainingFailure(survivesTheKill, explain);
  }, 240_000);

  async function survivesTheKill(): Promise<void> {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-manager-kill-'));
    if (!process.env.NATS_URL) nats = await startNatsServer();
    const url = process.env.NATS_URL ?? (nats as NatsServerHandle).url;
    const projectId = `kill-${Date.now().toString(36)}`;
    const env = {
      NATS_URL: url,
      AUTOPILOT_DIR: join(dir, 'state'),
      AUTOPILOT_MANAGER_TICK_MS: '200',
      AUTOPILOT_MANAGER_MAX_PARALLEL: '4',
    };
    const startManager = async (): Promise<CliProcess> => {
      const cli = new CliProcess(['service', 'manager', '--port', '0'], env);
      processes.push(cli);
      await waitUntilReady(cli, 'manager');
      return cli;
    };

    const bus = async (source: string): Promise<JetStreamMessageBus> => {
      const b = await connectJetStreamBus({ servers: url, source, log: () => undefined });
      buses.push(b);
      return b;
    };
    const gateway = await bus('gateway');
    const planner = await bus('planner');
    const worker = await bus('worker');

    // The stub worker: every execute_run envelope it takes, by task and attempt.
    const taken = new Map<string, Set<string>>();
    await worker.subscribe(WorkerExecuteRunV1, 'worker-execute-run', async (d) => {
      const c = d.payload;
      if (c.projectId !== projectId) return;
      const key = `${c.taskId}#${c.attempt}`;
      taken.set(key, (taken.get(key) ?? new Set()).add(d.id));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const at = new Date().toISOString();
      const ids = { projectId, correlationId: c.runId };
      await worker.publish(RunStartedV1, runStarted(c, at, 'stub-worker'), {
        ...ids,
        id: `started-${c.runId}-${c.fencingToken}`,
      });
      await worker.publish(
        RunFinishedV1,
        runFinished(c, 'succeeded', at, { costUsd: 0, durationMs: 150, steps: 1, confidence: 0.99 }),
        { ...ids, id: `finished-${c.runId}-${c.fencingToken}` },
      );
    });
    // What the manager announced: each task's latest state.
    const latest = new Map<string, { revision: number; status: string }>();
    await gateway.subscribe(TaskUpdatedV1, `faults-${projectId}-tasks`, async (d) => {
      const t = d.payload;
      if (t.projectId !== projectId) return;
      const seen = latest.get(t.id);
      if (!seen || seen.revision < t.revision) latest.set(t.id, { revision: t.revision, status: t.status });
    });

    const first = await startManager();
    await gateway.publish(
      ManagerCreateProjectV1,
      {
        projectId,
        name: 'Kill test',
        repo: { location: '/srv/repos/kill', defaultBranch: 'main' },
        autonomyMode: 'full_auto',
        maxParallel: 4,
        budgets: { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 },
        requestedBy: { kind: 'system', id: 'faults' },
      },
      { projectId },
    );
    // Layers of 5; each task depends on the task at its place in the layer before.
    const tasks: TaskSpec[] = Array.from({ length: TASKS }, (_, i) => ({
      id: `t${String(i).padStart(2, '0')}`,
      title: `Task ${i}`,
      kind: 'code',
      planNodeId: `node-${i}`,
      dependsOn: i >= LAYER ? [`t${String(i - LAYER).padStart(2, '0')}`] : [],
      scopePaths: ['src/**'],
      validationCommands: [['npm', 'test']],
    }));
    await planner.publish(
      TasksGeneratedV1,
      tasksGenerated(projectId, tasks, { generatedAt: new Date().toISOString() }),
      { projectId },
    );

    // SIGKILL mid-dispatch: 8 runs taken, far from all 30.
    await eventually(
      () => {
        if (taken.size < 8) throw new Error(`${taken.size} runs taken so far`);
      },
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const takenAtKill = taken.size;
    expect(takenAtKill).toBeLessThan(TASKS);

    const second = await startManager();
    await eventually(
      () => {
        const done = [...latest.values()].filter((t) => t.status === 'succeeded').length;
        if (done < TASKS) throw new Error(`${done} of ${TASKS} tasks succeeded (${taken.size} runs taken)`);
      },
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    expect({ exit: await stopProcess(second) }).toEqual({ exit: { code: 0, signal: null } });

    // Nothing dispatched twice: one execute_run per task and attempt, every attempt the first.
    expect([...taken.keys()].sort()).toEqual(tasks.map((t) => `${t.id}#1`));
    expect([...taken].filter(([, ids]) => ids.size !== 1)).toEqual([]);

    // Nothing forgotten: the store holds every task succeeded, one succeeded run each, an empty outbox.
    const store = await openSqliteStore({ file: join(dir, 'state', 'manager.db'), purgeIntervalMs: 0 });
    try {
      await declareOutbox(store);
      for (const spec of managerService.collections) await store.ensureCollection(spec);
      const stored = await store
        .collection<Doc & { task: { id: string; status: string } }>('tasks')
        .find({ projectId }, { limit: 1000 });
      expect(stored.items.map((d) => d.task.status)).toEqual(Array(TASKS).fill('succeeded'));
      const runs = await store
        .collection<Doc & { run: { taskId: string; status: string; fencingToken: number } }>('runs')
        .find({ projectId }, { limit: 1000 });
      expect(runs.items).toHaveLength(TASKS);
      expect(new Set(runs.items.map((d) => d.run.taskId)).size).toBe(TASKS);
      expect(runs.items.every((d) => d.run.status === 'succeeded' && d.run.fencingToken === 1)).toBe(true);
      expect({ pending: await pendingOutbox(store, 10), failed: await failedOutbox(store, 10) }).toEqual({
        pending: [],
        failed: [],
      });
    } finally {
      await store.close();
    }
    expect((await gateway.listDeadLetters()).filter((l) => JSON.stringify(l).includes(projectId))).toEqual(
      [],
    );
  }
});
