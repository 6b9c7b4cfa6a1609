import type {
  RunFinishedV1,
  RunOutcome,
  RunStartedV1,
  RunSuspendedV1,
  StepKind,
  StepRecordedV1,
  WorkerExecuteRunV1,
} from '@autopilot/contracts';

/** The worker's reports of the run `command` asked for, as a stub worker sends them. */
export function runStarted(command: WorkerExecuteRunV1, at: string, workerId = 'worker-1'): RunStartedV1 {
  return {
    runId: command.runId,
    taskId: command.taskId,
    projectId: command.projectId,
    fencingToken: command.fencingToken,
    workerId,
    branch: command.branch,
    baseCommit: 'a'.repeat(40),
    startedAt: at,
  };
}

export function stepRecorded(
  command: WorkerExecuteRunV1,
  seq: number,
  at: string,
  extra: { kind?: StepKind; status?: StepRecordedV1['status']; costUsd?: number } = {},
): StepRecordedV1 {
  return {
    runId: command.runId,
    taskId: command.taskId,
    projectId: command.projectId,
    fencingToken: command.fencingToken,
    seq,
    kind: extra.kind ?? 'command',
    summary: `step ${seq}`,
    status: extra.status ?? 'succeeded',
    costUsd: extra.costUsd ?? 0,
    durationMs: 10,
    startedAt: at,
  };
}

export function runFinished(
  command: WorkerExecuteRunV1,
  outcome: RunOutcome,
  at: string,
  extra: Partial<RunFinishedV1> = {},
): RunFinishedV1 {
  return {
    runId: command.runId,
    taskId: command.taskId,
    projectId: command.projectId,
    fencingToken: command.fencingToken,
    outcome,
    branch: command.branch,
    costUsd: 0.25,
    tokens: { input: 100, output: 20 },
    diff: { filesChanged: 1, insertions: 3, deletions: 1 },
    tests: { passed: 4, failed: outcome === 'failed' ? 1 : 0 },
    durationMs: 1_000,
    steps: 2,
    confidence: 0.95,
    ...(outcome === 'failed'
      ? { failure: { code: 'WORKER_TESTS_FAILED', message: 'npm test exited 1 in src/app.test.ts' } }
      : {}),
    finishedAt: at,
    ...extra,
  };
}

export function runSuspended(
  command: WorkerExecuteRunV1,
  at: string,
  extra: Partial<RunSuspendedV1> = {},
): RunSuspendedV1 {
  return {
    runId: command.runId,
    taskId: command.taskId,
    projectId: command.projectId,
    fencingToken: command.fencingToken,
    reason: 'awaiting_approval',
    approvalId: `approval-${command.runId}`,
    checkpoint: { commit: 'b'.repeat(40), lastStepSeq: 1 },
    costUsd: 0.1,
    suspendedAt: at,
    ...extra,
  };
}
