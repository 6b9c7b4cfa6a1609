import type { TaskSpec, WorkerExecuteRunV1 } from '@autopilot/contracts';
import type { IdSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import { FakeClock } from '@autopilot/testing';
import { ExecuteRunUseCase } from '../app/execute-run.use-case';
import type { CommandResult, GatheredContext, RunGovernance, RunModel } from '../app/ports';
import { DEFAULT_WORKER_SETTINGS, type WorkerSettings } from '../worker-settings';
import {
  FakeCommandRunner,
  FakeGovernance,
  FakeRemote,
  FakeTools,
  FakeWorkspaces,
  FixedContextSources,
  MemoryJournal,
  MemoryLog,
  RecordingReports,
} from './fake-run-ports';

export const T0 = Date.parse('2026-03-02T10:00:00.000Z');

/** A task whose `npm test` passes once `src/sum.ts` adds its arguments. */
export function sumTask(overrides: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id: 'task-sum',
    title: 'Fix sum() so it adds',
    kind: 'code',
    planNodeId: 'node-1',
    dependsOn: [],
    scopePaths: ['src/**'],
    validationCommands: [['npm', 'test']],
    acceptanceCriteria: ['the tests pass', 'sum is documented'],
    ...overrides,
  };
}

export const SUM_BASE = {
  'src/sum.ts': 'export const sum = (a: number, b: number) => a - b;\n',
  'README.md': '# demo\n',
};

/** `npm test` passes when sum adds, printing a jest summary; anything else exits 0 silently. */
export function sumTests(
  argv: readonly string[],
  files: ReadonlyMap<string, string>,
): Partial<CommandResult> {
  if (argv.join(' ') !== 'npm test') return { exitCode: 0, stdout: 'ok' };
  return files.get('src/sum.ts')?.includes('a + b')
    ? { exitCode: 0, stdout: 'Tests:       3 passed, 3 total' }
    : {
        exitCode: 1,
        stdout: 'FAIL src/sum.test.ts\nexpected 3, received -1\nTests:       1 failed, 2 passed, 3 total',
      };
}

export function executeRunCommand(overrides: Partial<WorkerExecuteRunV1> = {}): WorkerExecuteRunV1 {
  return {
    runId: '01HX7Z3K9M2N4P5Q6R7S8T9V0W',
    taskId: 'task-sum',
    projectId: 'proj-1',
    attempt: 1,
    fencingToken: 3,
    leaseExpiresAt: new Date(T0 + 600_000).toISOString(),
    task: sumTask(),
    repo: { location: '/repos/demo', defaultBranch: 'main' },
    baseCommit: '0'.repeat(40),
    branch: 'autopilot/fix-sum-so-it-adds-7s8t9v0w',
    autonomyMode: 'full_auto',
    budgetUsd: 5,
    ...overrides,
  };
}

/** One worker replica's run loop over fakes; several share a remote and a journal. */
export interface RunLoopFixture {
  readonly uc: ExecuteRunUseCase;
  readonly clock: FakeClock;
  readonly remote: FakeRemote;
  readonly workspaces: FakeWorkspaces;
  readonly tools: FakeTools;
  readonly commands: FakeCommandRunner;
  readonly reports: RecordingReports;
  readonly journal: MemoryJournal;
  readonly log: MemoryLog;
}

export function runLoopFixture(opts: {
  readonly model: RunModel;
  readonly governance?: RunGovernance;
  readonly remote?: FakeRemote;
  readonly journal?: MemoryJournal;
  readonly reports?: RecordingReports;
  readonly commands?: (argv: readonly string[], files: ReadonlyMap<string, string>) => Partial<CommandResult>;
  readonly settings?: Partial<WorkerSettings>;
  readonly context?: GatheredContext;
  readonly workerName?: string;
  readonly clock?: FakeClock;
}): RunLoopFixture {
  const clock = opts.clock ?? new FakeClock(T0);
  const remote = opts.remote ?? new FakeRemote(SUM_BASE);
  const workspaces = new FakeWorkspaces(remote, opts.workerName ?? 'w1');
  const tools = new FakeTools(workspaces);
  const commands = new FakeCommandRunner(workspaces, opts.commands ?? sumTests);
  const reports = opts.reports ?? new RecordingReports();
  const journal = opts.journal ?? new MemoryJournal();
  const log = new MemoryLog();
  let n = 0;
  const ids: IdSource = { next: () => `env-${opts.workerName ?? 'w1'}-${++n}` };
  const uc = new ExecuteRunUseCase(
    workspaces,
    tools,
    opts.model,
    opts.governance ?? new FakeGovernance(),
    commands,
    reports,
    journal,
    new FixedContextSources(opts.context),
    outboxEnvelopesFor({ source: 'worker', clock, ids }),
    clock,
    clock,
    { ...DEFAULT_WORKER_SETTINGS, ...opts.settings },
    { workerId: opts.workerName ?? 'w1' },
    log,
  );
  return { uc, clock, remote, workspaces, tools, commands, reports, journal, log };
}
