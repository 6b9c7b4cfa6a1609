import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import type { MessageBus } from '@autopilot/bus';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { connectJetStreamBus } from '@autopilot/bus/jetstream';
import {
  buildEnvelope,
  GovernanceReserveBudgetV1,
  GovernanceSettleBudgetV1,
  ManagerCreateProjectV1,
  RunFinishedV1,
  RunStartedV1,
  TasksGeneratedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type MessageDef,
  type PayloadOf,
  type TaskSpec,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { ulidSource } from '@autopilot/kernel';
import { managerService } from '@autopilot/manager';
import { createLogger, readServiceSettings } from '@autopilot/runtime';
import { startEmbedded, startSingleService, type RunningTopology } from '@autopilot/runtime/topology';
import {
  runFinished,
  runStarted,
  startNatsServer,
  type NatsServerHandle,
  tasksGenerated,
} from '@autopilot/testing';
import { cpuMsSince, dependencyCounters, type DagTask, type DispatchResult } from './wide-dag';

/**
 * Autopilot's side of bench:dispatch: the manager and governance services (their real stores,
 * outboxes and inboxes), the bench in the roles of the gateway (`manager.create_project`), the
 * planner (one `tasks.generated` holding the whole DAG) and a stub worker that takes
 * `worker.execute_run` from the shared work queue with `concurrency` slots, reserves a tiny estimate
 * with governance, reports `run.started`, settles, and reports `run.finished` (succeeded).
 *
 * Ready → dispatched: a task is ready the moment its last dependency's `run.finished` is about to
 * be published (first-level tasks: when `tasks.generated` is), dispatched when the stub takes its
 * `worker.execute_run`. Done when every task was announced succeeded (`task.updated`).
 */
export interface ManagerDispatchOptions {
  readonly path: 'in-process' | 'nats';
  readonly concurrency: number;
  /** Stop waiting after this long (ms). */
  readonly timeoutMs: number;
  /** Logs progress every few seconds. */
  readonly progress?: (line: string) => void;
}

/** The roles the bench plays, each publishing as the contracts' producer. */
interface Roles {
  publishAs<D extends MessageDef>(
    source: string,
    def: D,
    payload: PayloadOf<D>,
    projectId: string,
  ): Promise<void>;
  /** The stub worker's bus (source `worker`). */
  readonly worker: MessageBus;
  close(): Promise<void>;
}

const quietLogger = () =>
  createLogger({
    service: 'bench',
    level: 'fatal',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });

export async function runManagerDispatch(
  dag: readonly DagTask[],
  opts: ManagerDispatchOptions,
): Promise<DispatchResult> {
  const dir = mkdtempSync(join(tmpdir(), `ap-bench-dispatch-${opts.path}-`));
  const ids = ulidSource();
  const settings = readServiceSettings([managerService, governanceService], {
    AUTOPILOT_MANAGER_MAX_PARALLEL: String(opts.concurrency),
  });
  const stops: (() => Promise<void>)[] = [];
  let nats: NatsServerHandle | undefined;
  try {
    let roles: Roles;
    if (opts.path === 'in-process') {
      const bus = new InProcessMessageBus({ source: 'worker', log: () => undefined, settle: 'on-consume' });
      const running = await startEmbedded({
        services: [managerService, governanceService],
        dir,
        port: 0,
        host: '127.0.0.1',
        outboxIntervalMs: 250,
        logger: quietLogger(),
        bus,
        settings,
      });
      stops.push(() => running.stop());
      await running.started;
      roles = {
        worker: bus,
        publishAs: (source, def, payload, projectId) =>
          bus.publishEnvelope(
            buildEnvelope(def, payload, {
              id: ids.next(),
              time: new Date().toISOString(),
              source,
              projectId,
            }),
          ),
        close: () => Promise.resolve(),
      };
    } else {
      nats = await startNatsServer();
      const url = nats.url;
      const services: RunningTopology[] = [];
      for (const definition of [managerService, governanceService]) {
        const running = await startSingleService({
          definition,
          natsUrls: [url],
          dir,
          port: 0,
          host: '127.0.0.1',
          outboxIntervalMs: 250,
          logger: quietLogger(),
          settings: settings.get(definition.name),
        });
        stops.push(() => running.stop());
        services.push(running);
      }
      for (const s of services) await s.started;
      const buses = new Map<string, MessageBus>();
      for (const source of ['gateway', 'planner', 'worker']) {
        const bus = await connectJetStreamBus({ servers: url, source, log: () => undefined });
        stops.push(() => bus.close());
        buses.set(source, bus);
      }
      roles = {
        worker: buses.get('worker') as MessageBus,
        publishAs: async (source, def, payload, projectId) => {
          await (buses.get(source) as MessageBus).publish(def, payload, { projectId });
        },
        close: () => Promise.resolve(),
      };
    }
    return await measure(dag, roles, opts);
  } finally {
    // Subscriptions and buses first (reverse order of start), then the services, then nats-server.
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        console.error('bench: stop failed', err);
      }
    }
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  dag: readonly DagTask[],
  roles: Roles,
  opts: ManagerDispatchOptions,
): Promise<DispatchResult> {
  const projectId = `bench-${Date.now().toString(36)}`;
  const { worker } = roles;
  const { dependants, remaining } = dependencyCounters(dag);
  const readyAt = new Map<string, number>();
  const latencies: number[] = [];
  const taken = new Set<string>();
  const succeeded = new Set<string>();
  let finished = 0;
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  const subscriptions = [];
  subscriptions.push(
    await worker.subscribe(
      TaskUpdatedV1,
      `bench-task-updated-${projectId}`,
      async (d) => {
        const t = d.payload;
        if (t.projectId !== projectId || t.status !== 'succeeded') return;
        succeeded.add(t.id);
        if (succeeded.size === dag.length) finish();
      },
      { concurrency: 16 },
    ),
  );
  subscriptions.push(
    await worker.subscribe(
      WorkerExecuteRunV1,
      'worker-execute-run',
      async (d) => {
        const c = d.payload;
        if (c.projectId !== projectId) return;
        const runKey = `${c.runId}#${c.fencingToken}`;
        if (taken.has(runKey)) return;
        taken.add(runKey);
        const at = performance.now();
        latencies.push(at - (readyAt.get(c.taskId) ?? at));
        try {
          await stubRun(worker, c);
          finished += 1;
        } catch (err) {
          fail(err);
        }
      },
      { concurrency: opts.concurrency, ackWaitMs: 120_000 },
    ),
  );

  /** The stub worker's run: reserve, started, settle, finished (dependants become ready as it goes out). */
  async function stubRun(bus: MessageBus, c: WorkerExecuteRunV1): Promise<void> {
    const routing = { projectId, correlationId: c.runId };
    const reservation = await bus.request(
      GovernanceReserveBudgetV1,
      {
        projectId,
        runId: c.runId,
        estimateUsd: 0.001,
        purpose: 'bench no-op run',
        reservationId: `res-${c.runId}-${c.fencingToken}`,
      },
      { ...routing, timeoutMs: 60_000 },
    );
    if (!reservation.granted) throw new Error(`reservation refused: ${reservation.reason ?? '?'}`);
    const now = new Date().toISOString();
    await bus.publish(RunStartedV1, runStarted(c, now, 'bench-stub'), {
      ...routing,
      id: `started-${c.runId}-${c.fencingToken}`,
    });
    await bus.request(
      GovernanceSettleBudgetV1,
      { projectId, runId: c.runId, reservationId: reservation.reservationId as string, actualUsd: 0.0005 },
      { ...routing, timeoutMs: 60_000 },
    );
    const released = performance.now();
    for (const dependant of dependants.get(c.taskId) ?? []) {
      const left = (remaining.get(dependant) ?? 0) - 1;
      remaining.set(dependant, left);
      if (left === 0) readyAt.set(dependant, released);
    }
    await bus.publish(
      RunFinishedV1,
      runFinished(c, 'succeeded', new Date().toISOString(), {
        costUsd: 0.0005,
        tokens: { input: 0, output: 0 },
        diff: { filesChanged: 0, insertions: 0, deletions: 0 },
        tests: { passed: 0, failed: 0 },
        durationMs: 0,
        steps: 0,
        confidence: 1,
      }),
      { ...routing, id: `finished-${c.runId}-${c.fencingToken}` },
    );
  }

  try {
    await roles.publishAs(
      'gateway',
      ManagerCreateProjectV1,
      {
        projectId,
        name: 'bench:dispatch',
        repo: { location: '/srv/repos/bench', defaultBranch: 'main' },
        autonomyMode: 'full_auto',
        maxParallel: opts.concurrency,
        budgets: { runUsd: 10, dailyUsd: 1_000_000, weeklyUsd: 1_000_000 },
        requestedBy: { kind: 'system', id: 'bench' },
      },
      projectId,
    );
    // Governance learns the project's budgets from the manager's project.updated: wait for it.
    const deadline = performance.now() + 30_000;
    for (let i = 0; ; i++) {
      const probe = await worker.request(
        GovernanceReserveBudgetV1,
        {
          projectId,
          runId: 'probe',
          estimateUsd: 0.001,
          purpose: 'bench probe',
          reservationId: `probe-${i}`,
        },
        { projectId, timeoutMs: 10_000 },
      );
      if (probe.granted) {
        await worker.request(GovernanceSettleBudgetV1, {
          projectId,
          runId: 'probe',
          reservationId: probe.reservationId as string,
          actualUsd: 0,
        });
        break;
      }
      if (performance.now() > deadline)
        throw new Error(`governance does not know ${projectId}: ${probe.reason}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const tasks: TaskSpec[] = dag.map((t) => ({
      id: t.id,
      title: `No-op ${t.id}`,
      kind: 'code',
      planNodeId: `node-${t.id}`,
      dependsOn: [...t.dependsOn],
      scopePaths: ['src/**'],
      validationCommands: [['true']],
    }));
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const t of dag) if (t.dependsOn.length === 0) readyAt.set(t.id, started);
    await roles.publishAs(
      'planner',
      TasksGeneratedV1,
      tasksGenerated(projectId, tasks, { generatedAt: new Date().toISOString() }),
      projectId,
    );
    const progress = setInterval(() => {
      opts.progress?.(
        `  ${opts.path}: ${taken.size} dispatched, ${finished} finished, ${succeeded.size} succeeded, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }, 5_000);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        done,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out: ${succeeded.size} of ${dag.length} tasks succeeded`)),
            opts.timeoutMs,
          );
        }),
      ]);
    } finally {
      clearInterval(progress);
      clearTimeout(timer);
    }
    return {
      tasks: dag.length,
      seconds: (performance.now() - started) / 1000,
      readyToDispatchedMs: latencies,
      cpuMs: cpuMsSince(cpu),
    };
  } finally {
    for (const s of subscriptions) await s.drain();
  }
}
