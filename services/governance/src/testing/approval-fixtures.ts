import type { GovernanceEvaluateV1, GovernedAction, RepoScannedV1 } from '@autopilot/contracts';

/** A `repo.scanned` payload for `projectId` with one node toolchain: `npm ci`, `npm test`. */
export function scanOf(projectId: string, scannedAt = '2026-01-01T00:00:00.000Z'): RepoScannedV1 {
  return {
    projectId,
    jobId: `scan-${projectId}`,
    repo: { location: '/tmp/repo', defaultBranch: 'main' },
    commit: 'a'.repeat(40),
    toolchains: [
      {
        name: 'node',
        manifestPath: 'package.json',
        installCommand: ['npm', 'ci'],
        testCommand: ['npm', 'test'],
      },
    ],
    languages: [],
    fileCount: 1,
    topLevelPaths: ['package.json'],
    scannedAt,
  };
}

/** A `governance.evaluate` request of run `run-1`, task `task-1`, for `action`. */
export function evaluateOf(projectId: string, action: GovernedAction): GovernanceEvaluateV1 {
  return {
    projectId,
    runId: 'run-1',
    taskId: 'task-1',
    stepSeq: 1,
    action,
    worktree: { root: '/work/tree', branch: 'autopilot/run-1' },
  };
}

export const command = (...argv: string[]): GovernedAction => ({
  kind: 'command',
  riskScore: 0.1,
  paths: [],
  argv,
});
