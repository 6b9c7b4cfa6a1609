import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  ApprovalRequestedV1,
  buildEnvelope,
  GovernanceDecideApprovalV1,
  GovernanceReserveBudgetV1,
  ManagerCreateProjectV1,
  ProjectUpdatedV1,
  RunFinishedV1,
  RunStartedV1,
  RunSuspendedV1,
  TasksGeneratedV1,
  TaskUpdatedV1,
  WorkerExecuteRunV1,
  type Envelope,
  type MessageDef,
  type PayloadOf,
  type Project,
  type Task,
  type TaskSpec,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { managerService } from '@autopilot/manager';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import { declareInbox, declareOutbox, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, FakeClock, tasksGenerated } from '@autopilot/testing';

/**
 * Issue 14 across services: the real manager and governance on one in-process bus, each on its
 * own SQLite store, one FakeClock as both services' clock and timers, and a stub worker that
 * speaks the worker's contracts (it reserves budget like the model client, then reports). No
 * service knows the other: they meet only in messages.
 */

const quiet = (service: string) =>
  createLogger({ service, level: 'fatal', destination: new Writable({ write: (_c, _e, done) => done() }) });

interface Cluster {
  readonly bus: InProcessMessageBus;
  readonly clock: FakeClock;
  readonly executed: PayloadOf<typeof WorkerExecuteRunV1>[];
  readonly seen: Envelope[];
  send<D extends MessageDef>(source: string, def: D, data: PayloadOf<D>): Promise<void>;
  close(): Promise<void>;
}

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function openStore(dir: string, name: string, collections: typeof managerService.collections) {
  const store = await openSqliteStore({ file: join(dir, `${name}.db`) });
  await declareOutbox(store);
  await declareInbox(store);
  for (const spec of collections) await store.ensureCollection(spec);
  return store;
}

/**
 * Starts both services. The stub worker reserves `costUsd` for each run: granted, it starts and
 * succeeds; refused (a cap), it suspends the run awaiting budget, as the worker does.
 */
async function startCluster(costUsd: number): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-manager-governance-'));
  // Requests through the bus itself stand for the worker's (governance checks their source).
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 0, source: 'worker', log: () => undefined });
  const clock = new FakeClock(Date.parse('2026-03-02T10:00:00.000Z'));
  const seen: Envelope[] = [];
  for (const def of [ApprovalRequestedV1, ProjectUpdatedV1, TaskUpdatedV1] as MessageDef[]) {
    await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
      seen.push(d.envelope as Envelope);
    });
  }
  const executed: PayloadOf<typeof WorkerExecuteRunV1>[] = [];
  await bus.subscribe(WorkerExecuteRunV1, 'stub-worker', async (d) => {
    const cmd = d.payload;
    executed.push(cmd);
    const at = clock.isoNow();
    const base = {
      runId: cmd.runId,
      taskId: cmd.taskId,
      projectId: cmd.projectId,
      fencingToken: cmd.fencingToken,
    };
    const reply = await bus.request(GovernanceReserveBudgetV1, {
      projectId: cmd.projectId,
      runId: cmd.runId,
      estimateUsd: costUsd,
      purpose: 'llm_call step 1',
    });
    if (!reply.granted) {
      await bus.publish(RunSuspendedV1, {
        ...base,
        reason: 'awaiting_budget',
        checkpoint: { commit: 'b'.repeat(40), lastStepSeq: 0 },
        costUsd: 0,
        ...(reply.exceededScope !== undefined ? { exceededScope: reply.exceededScope } : {}),
        ...(reply.reopensAt !== undefined ? { budgetReopensAt: reply.reopensAt } : {}),
        requestedUsd: costUsd,
        suspendedAt: at,
      });
      return;
    }
    await bus.publish(RunStartedV1, {
      ...base,
      workerId: 'stub-worker',
      branch: cmd.branch,
      baseCommit: 'a'.repeat(40),
      startedAt: at,
    });
    await bus.publish(RunFinishedV1, {
      ...base,
      outcome: 'succeeded',
      branch: cmd.branch,
      costUsd,
      tokens: { input: 100, output: 20 },
      diff: { filesChanged: 1, insertions: 3, deletions: 1 },
      tests: { passed: 4, failed: 0 },
      durationMs: 1_000,
      steps: 1,
      confidence: 0.95,
      finishedAt: at,
    });
  });
  const stores: DocumentStore[] = [
    await openStore(dir, 'manager', managerService.collections),
    await openStore(dir, 'governance', governanceService.collections),
  ];
  const hosts: ServiceHost[] = [];
  for (const [definition, store] of [
    [managerService, stores[0]!],
    [governanceService, stores[1]!],
  ] as const) {
    hosts.push(
      await startServiceHost({
        definition,
        bus,
        store,
        routes: createHttpRoutes(),
        logger: quiet(definition.name),
        outboxIntervalMs: 3_600_000,
        // A tick an hour and a sweep an hour: FakeClock runs every timer that falls due on the way.
        settings: definition.settings!.read(
          definition === managerService
            ? { AUTOPILOT_MANAGER_TICK_MS: '3600000' }
            : { AUTOPILOT_APPROVAL_SWEEP_MS: '3600000' },
        ),
        clock,
        timers: clock,
      }),
    );
  }
  let n = 0;
  return {
    bus,
    clock,
    executed,
    seen,
    async send(source, def, data) {
      await bus.publishEnvelope(
        buildEnvelope(def, data, {
          id: `sent-${++n}`,
          time: clock.isoNow(),
          source,
          projectId: (data as { projectId: string }).projectId,
        }),
      );
    },
    async close() {
      for (const host of hosts.reverse()) await host.close();
      await bus.close();
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const spec = (id: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  id,
  title: `Do ${id}`,
  kind: 'code',
  planNodeId: `node-${id}`,
  dependsOn: [],
  scopePaths: ['src/**'],
  validationCommands: [['npm', 'test']],
  ...extra,
});

async function createProject(
  c: Cluster,
  projectId: string,
  extra: Partial<ManagerCreateProjectV1>,
  tasks: TaskSpec[],
) {
  await c.send('gateway', ManagerCreateProjectV1, {
    projectId,
    name: projectId,
    repo: { location: '/srv/repos/shop', defaultBranch: 'main' },
    autonomyMode: 'full_auto',
    maxParallel: 1,
    budgets: { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 },
    requestedBy: { kind: 'user', id: 'ada' },
    ...extra,
  });
  // Governance must know the project (its caps) before a run reserves.
  await eventually(() =>
    expect(c.seen.some((e) => e.type === ProjectUpdatedV1.type && (e.data as Project).id === projectId)).toBe(
      true,
    ),
  );
  await c.send(
    'planner',
    TasksGeneratedV1,
    tasksGenerated(projectId, tasks, { generatedAt: c.clock.isoNow() }),
  );
}

const statusOf = (c: Cluster, taskId: string): string | undefined =>
  (
    c.seen.filter((e) => e.type === TaskUpdatedV1.type && (e.data as Task).id === taskId).at(-1)?.data as
      Task | undefined
  )?.status;

describe('manager and governance on one bus, with a stub worker', () => {
  it('semi_auto: a low-risk task runs at once; a high-risk one waits for approval, is approved through governance, then runs', async () => {
    const c = (cluster = await startCluster(0.1));
    await createProject(c, 'semi', { autonomyMode: 'semi_auto', maxParallel: 2 }, [
      spec('easy', { risk: 'low' }),
      spec('risky', { risk: 'high' }),
    ]);
    await eventually(() => expect(statusOf(c, 'easy')).toBe('succeeded'));
    const requested = await eventually(() => {
      const r = c.seen.find((e) => e.type === ApprovalRequestedV1.type);
      expect(r).toBeDefined();
      return r!.data as PayloadOf<typeof ApprovalRequestedV1>;
    });
    expect(requested).toMatchObject({
      projectId: 'semi',
      taskId: 'risky',
      status: 'pending',
      action: { kind: 'task_start' },
    });
    expect(statusOf(c, 'risky')).toBe('awaiting_approval');
    expect(c.executed.map((x) => x.taskId)).toEqual(['easy']);

    await c.send('gateway', GovernanceDecideApprovalV1, {
      approvalId: requested.id,
      projectId: 'semi',
      decision: 'approved',
      decidedBy: { kind: 'user', id: 'ada' },
    });
    await eventually(() => expect(statusOf(c, 'risky')).toBe('succeeded'));
    expect(c.executed.map((x) => x.taskId)).toEqual(['easy', 'risky']);
  });

  it('a project whose daily cap is reached is paused by budget.exceeded and resumes by itself after midnight in its zone', async () => {
    const c = (cluster = await startCluster(0.4));
    const always = { days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00' };
    await createProject(
      c,
      'capped',
      {
        budgets: { runUsd: 5, dailyUsd: 1, weeklyUsd: 20 },
        schedule: { timezone: 'Europe/Berlin', windows: [always] },
      },
      [spec('a', { priority: 1 }), spec('b', { priority: 2 }), spec('c', { priority: 3 })],
    );
    const latest = () =>
      c.seen
        .filter((e) => e.type === ProjectUpdatedV1.type)
        .map((e) => e.data as Project)
        .at(-1);
    // a and b spend $0.80 of the $1 day; c's $0.40 is refused: the project pauses, c waits for budget.
    await eventually(() => expect(latest()?.pause?.kind).toBe('budget'));
    expect(latest()!.pause).toMatchObject({
      reason: expect.stringContaining('the daily budget cap of $1.00 was reached'),
      // Midnight in Berlin (UTC+1) is 23:00Z.
      resumesAt: '2026-03-02T23:00:00.000Z',
      unblock: 'raise the cap or wait until 2026-03-03 00:00 (Europe/Berlin), when it resumes by itself',
    });
    await eventually(() => expect(statusOf(c, 'c')).toBe('awaiting_approval'));
    expect(statusOf(c, 'a')).toBe('succeeded');
    expect(statusOf(c, 'b')).toBe('succeeded');
    expect(c.executed.map((x) => x.taskId)).toEqual(['a', 'b', 'c']);

    // Before midnight nothing moves (hourly ticks on the way); the tick at midnight in Berlin
    // resumes the project and c's run from its checkpoint, whose reservation counts against the
    // new day. (The clock stops there: moving it on while the stub worker runs would lapse c's lease.)
    await c.clock.advanceAsync(Date.parse('2026-03-02T22:59:59.999Z') - c.clock.now());
    expect(latest()!.paused).toBe(true);
    expect(c.executed).toHaveLength(3);
    await c.clock.advanceAsync(1);
    await eventually(() =>
      expect(latest()).toMatchObject({
        paused: false,
        resumeNote: expect.stringContaining('resumed by itself'),
      }),
    );
    await eventually(() => expect(statusOf(c, 'c')).toBe('succeeded'));
    expect(c.executed.map((x) => x.taskId)).toEqual(['a', 'b', 'c', 'c']);
    expect(c.executed[3]).toMatchObject({
      runId: c.executed[2]!.runId,
      fencingToken: 2,
      resumeFrom: { commit: 'b'.repeat(40) },
    });
  });

  it('a run that reaches its own cap asks "continue with $X more"; approved through governance, it resumes and finishes', async () => {
    const c = (cluster = await startCluster(6));
    await createProject(c, 'big', { budgets: { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 } }, [spec('a')]);
    const requested = await eventually(() => {
      const r = c.seen.find((e) => e.type === ApprovalRequestedV1.type);
      expect(r).toBeDefined();
      return r!.data as PayloadOf<typeof ApprovalRequestedV1>;
    });
    expect(requested).toMatchObject({
      projectId: 'big',
      taskId: 'a',
      runId: c.executed[0]!.runId,
      status: 'pending',
      action: { kind: 'budget_extension', budget: { runId: c.executed[0]!.runId, extraUsd: 6 } },
    });
    expect(statusOf(c, 'a')).toBe('awaiting_approval');
    // The project itself is not paused: only this run waits for a person.
    expect(
      c.seen
        .filter((e) => e.type === ProjectUpdatedV1.type)
        .map((e) => e.data as Project)
        .at(-1)?.paused,
    ).toBe(false);

    await c.send('gateway', GovernanceDecideApprovalV1, {
      approvalId: requested.id,
      projectId: 'big',
      decision: 'approved',
      decidedBy: { kind: 'user', id: 'ada' },
    });
    await eventually(() => expect(statusOf(c, 'a')).toBe('succeeded'));
    expect(c.executed).toHaveLength(2);
    expect(c.executed[1]).toMatchObject({
      runId: c.executed[0]!.runId,
      fencingToken: 2,
      budgetUsd: 11,
      resumeFrom: { commit: 'b'.repeat(40), lastStepSeq: 0 },
    });
  });
});
