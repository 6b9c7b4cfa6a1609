/**
 * Run worktrees on one worker: a cached bare mirror per project, `git worktree add` on the run
 * branch, checkpoints pushed to the project's repository, resume with reconciliation, rollback,
 * bootstrap files, and removal only once nothing would be lost. An adapter: composition roots and
 * adapters import it (`@autopilot/worker/workspace`), never `domain/` or `app/`.
 *
 *   const workspaces = new RunWorkspaces({ cacheDir: '/var/cache/autopilot-worker' });
 *   const ws = await workspaces.open(project, { runId, taskId, task: title, baseCommit: ZERO_COMMIT });
 *   const { commit } = await workspaces.checkpoint(ws, 3); // record commit only after this resolves
 */
export {
  RunWorkspaces,
  type ProjectRepository,
  type RunWorkspaceRequest,
  type RunWorkspace,
  type AdoptedCommit,
  type BootstrapReport,
  type Checkpoint,
  type RollbackResult,
  type RunWorkspacesOptions,
} from './run-workspaces';
export { runBranchName, isRunBranch, RUN_BRANCH_PREFIX, ZERO_COMMIT } from './run-branch';
export {
  WorkspaceError,
  DefaultBranchWriteRefusedError,
  BaseCommitNotFoundError,
  RunBranchDivergedError,
  CheckpointMissingError,
  UnsavedWorkError,
  RollbackTargetError,
} from './workspace-errors';
