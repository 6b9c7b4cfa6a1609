import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope, ManagerCreateProjectV1, TaskSpec } from '@autopilot/contracts';
import type { IdSource } from '@autopilot/kernel';
import { outboxEnvelopesFor, type OutboxEnvelopes } from '@autopilot/runtime';
import { declareInbox, declareOutbox, pendingOutbox, type DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { StoreDailySummaryRepository } from '../adapters/daily-summary-repository';
import { StoreLearningRepository } from '../adapters/learning-store';
import { StoreProjectRepository } from '../adapters/project-repository';
import { StoreTaskGraphRepository } from '../adapters/task-graph-repository';
import { StoreTickRecordRepository } from '../adapters/tick-record-repository';
import { ApplyTaskGraphChangeUseCase } from '../app/apply-task-graph-change.use-case';
import { ApplyTaskGraphUseCase } from '../app/apply-task-graph.use-case';
import { BudgetPausesUseCase, BudgetResumesUseCase } from '../app/budget-pauses.use-case';
import { DailySummaryUseCase } from '../app/daily-summary.use-case';
import { HeldTaskGraphs } from '../app/held-task-graphs';
import type { ManagerLog, TickRequests } from '../app/ports';
import { ProjectCommandsUseCase } from '../app/project-commands.use-case';
import { RunCommandsUseCase } from '../app/run-commands.use-case';
import { RunReportsUseCase } from '../app/run-reports.use-case';
import { RunTickUseCase } from '../app/run-tick.use-case';
import { SuspendedRunsUseCase } from '../app/suspended-runs.use-case';
import { ApprovalRequestsUseCase, TaskApprovalsUseCase } from '../app/task-approvals.use-case';
import { managerService } from '../index';
import { DEFAULT_MANAGER_SETTINGS, type ManagerSettings } from '../manager-settings';

/** The manager's use cases on a fresh SQLite store, a FakeClock and counted ids, for use-case tests. */
export interface ManagerFixture {
  readonly store: DocumentStore;
  readonly clock: FakeClock;
  readonly projects: StoreProjectRepository;
  readonly graphs: StoreTaskGraphRepository;
  readonly commands: ProjectCommandsUseCase;
  readonly applyGraph: ApplyTaskGraphUseCase;
  /** `tasks.generated` v2, from the graphs `applyGraph` handled (`heldGraphs`). */
  readonly applyGraphChange: ApplyTaskGraphChangeUseCase;
  readonly heldGraphs: HeldTaskGraphs;
  /** The task graph use cases as a manager process started now on this store has them: nothing held. */
  graphsOfNewProcess(): TaskGraphUseCases;
  readonly tick: RunTickUseCase;
  /** A tick as a manager process started now on this store would run it, with `settings` on top. */
  tickOfNewProcess(settings: Partial<ManagerSettings>): RunTickUseCase;
  readonly reports: RunReportsUseCase;
  readonly runCommands: RunCommandsUseCase;
  readonly approvals: TaskApprovalsUseCase;
  readonly budgets: BudgetPausesUseCase;
  readonly summaries: DailySummaryUseCase;
  readonly summaryStore: StoreDailySummaryRepository;
  readonly learning: StoreLearningRepository;
  readonly envelopes: OutboxEnvelopes;
  /** How many ticks the use cases asked for. */
  readonly tickRequests: () => number;
  readonly logs: { level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> }[];
  /** Every envelope appended to the outbox so far, in order. */
  outbox(): Promise<Envelope[]>;
  close(): Promise<void>;
}

/** The use cases that apply `tasks.generated`, v1 and v2, sharing the graphs they hold. */
export interface TaskGraphUseCases {
  readonly applyGraph: ApplyTaskGraphUseCase;
  readonly applyGraphChange: ApplyTaskGraphChangeUseCase;
  readonly heldGraphs: HeldTaskGraphs;
}

export async function openManagerFixture(settings: Partial<ManagerSettings> = {}): Promise<ManagerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-manager-'));
  const store = await openSqliteStore({ file: join(dir, 'manager.db') });
  await declareOutbox(store);
  await declareInbox(store);
  for (const spec of managerService.collections) await store.ensureCollection(spec);
  const clock = new FakeClock(Date.parse('2026-03-02T10:00:00.000Z'));
  let n = 0;
  const ids: IdSource = { next: () => `id-${String(++n).padStart(4, '0')}` };
  const envelopes = outboxEnvelopesFor({ source: 'manager', clock, ids });
  const logs: ManagerFixture['logs'] = [];
  const log: ManagerLog = {
    info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
  };
  let requests = 0;
  const ticks: TickRequests = { request: () => void requests++ };
  const projects = new StoreProjectRepository(store, clock);
  const graphs = new StoreTaskGraphRepository(store, clock);
  const records = new StoreTickRecordRepository(store, clock);
  const full: ManagerSettings = { ...DEFAULT_MANAGER_SETTINGS, ...settings };
  const graphUseCases = (): TaskGraphUseCases => {
    const heldGraphs = new HeldTaskGraphs();
    const applyGraph = new ApplyTaskGraphUseCase(graphs, projects, envelopes, clock, log, ticks, heldGraphs);
    const applyGraphChange = new ApplyTaskGraphChangeUseCase(heldGraphs, applyGraph, graphs, envelopes, log);
    return { applyGraph, applyGraphChange, heldGraphs };
  };
  const suspendedRuns = new SuspendedRunsUseCase(graphs, projects, envelopes, full, clock, log);
  const approvals = new TaskApprovalsUseCase(graphs, envelopes, clock, log, ticks, suspendedRuns);
  const budgets = new BudgetPausesUseCase(projects, envelopes, clock, log, ticks);
  const learning = new StoreLearningRepository(store);
  const summaries = new StoreDailySummaryRepository(store, clock);
  const tickWith = (tickSettings: ManagerSettings): RunTickUseCase =>
    new RunTickUseCase(
      projects,
      graphs,
      records,
      envelopes,
      tickSettings,
      clock,
      ids,
      log,
      new BudgetResumesUseCase(projects, envelopes, log),
      new ApprovalRequestsUseCase(graphs, envelopes, ids, log),
      learning,
      suspendedRuns,
    );
  return {
    store,
    clock,
    projects,
    graphs,
    commands: new ProjectCommandsUseCase(projects, envelopes, clock, ticks),
    ...graphUseCases(),
    graphsOfNewProcess: graphUseCases,
    tick: tickWith(full),
    tickOfNewProcess: (extra) => tickWith({ ...full, ...extra }),
    summaries: new DailySummaryUseCase(projects, graphs, summaries, learning, envelopes, clock, log),
    summaryStore: summaries,
    learning,
    envelopes,
    reports: new RunReportsUseCase(graphs, projects, envelopes, full, clock, log, ticks, ids),
    runCommands: new RunCommandsUseCase(graphs, projects, envelopes, clock, log, ticks),
    approvals,
    budgets,
    tickRequests: () => requests,
    logs,
    async outbox() {
      return (await pendingOutbox(store, 1000)).map((e) => e.envelope);
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `manager.create_project` payload. */
export function createProjectCommand(
  projectId: string,
  extra: Partial<ManagerCreateProjectV1> = {},
): ManagerCreateProjectV1 {
  return {
    projectId,
    name: `Project ${projectId}`,
    repo: { location: '/srv/repos/shop', defaultBranch: 'main' },
    autonomyMode: 'full_auto',
    maxParallel: 2,
    budgets: { runUsd: 5, dailyUsd: 50, weeklyUsd: 200 },
    requestedBy: { kind: 'user', id: 'ada' },
    ...extra,
  };
}

/** A task spec for a graph. */
export function taskSpec(id: string, dependsOn: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id,
    title: `Do ${id}`,
    kind: 'code',
    planNodeId: `node-${id}`,
    dependsOn,
    scopePaths: ['src/**'],
    validationCommands: [['npm', 'test']],
    ...extra,
  };
}

/** A `tasks.generated` payload (the one of @autopilot/testing, kept here beside the fixture's other payloads). */
export { tasksGenerated } from '@autopilot/testing';
