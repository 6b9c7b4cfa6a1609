import { AutopilotError } from '@autopilot/kernel';

/** Why a run's workspace refused an operation or could not be set up; each names run and place. */
export abstract class WorkspaceError extends AutopilotError {
  constructor(
    readonly runId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An operation would have written the project's default branch (or a branch outside `autopilot/`). */
export class DefaultBranchWriteRefusedError extends WorkspaceError {
  readonly code = 'WORKSPACE_DEFAULT_BRANCH_REFUSED';
  constructor(
    runId: string,
    readonly branch: string,
    readonly defaultBranch: string,
  ) {
    super(
      runId,
      `run ${runId}: refused to write branch ${JSON.stringify(branch)}: ` +
        `only autopilot/ run branches are written, never the default branch ${JSON.stringify(defaultBranch)}`,
    );
  }
}

/** The recorded base commit is in neither the mirror nor the project's repository after a fetch. */
export class BaseCommitNotFoundError extends WorkspaceError {
  readonly code = 'WORKSPACE_BASE_NOT_FOUND';
  constructor(
    runId: string,
    readonly baseCommit: string,
    readonly repository: string,
  ) {
    super(runId, `run ${runId}: base commit ${baseCommit} is not in ${repository}`);
  }
}

/**
 * The run branch does not continue the recorded history: its tip does not descend from the last
 * recorded checkpoint, or commits after it do not belong to the run. Nothing was changed.
 */
export class RunBranchDivergedError extends WorkspaceError {
  readonly code = 'WORKSPACE_BRANCH_DIVERGED';
  constructor(
    runId: string,
    readonly branch: string,
    readonly expected: string,
    readonly found: string,
    reason: string,
  ) {
    super(runId, `run ${runId}: branch ${branch} at ${found} does not continue ${expected}: ${reason}`);
  }
}

/** The recorded checkpoint is on no copy of the run branch (not in the mirror, not in the repository). */
export class CheckpointMissingError extends WorkspaceError {
  readonly code = 'WORKSPACE_CHECKPOINT_MISSING';
  constructor(
    runId: string,
    readonly branch: string,
    readonly checkpoint: string,
  ) {
    super(runId, `run ${runId}: recorded checkpoint ${checkpoint} is not on branch ${branch} anywhere`);
  }
}

/** Removal refused: the worktree holds changes or commits that the pushed run branch does not. */
export class UnsavedWorkError extends WorkspaceError {
  readonly code = 'WORKSPACE_UNSAVED_WORK';
  constructor(
    runId: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(runId, `run ${runId}: worktree ${path} not removed: ${reason}`);
  }
}

/** A rollback target that is neither the run's base nor a commit of its branch. */
export class RollbackTargetError extends WorkspaceError {
  readonly code = 'WORKSPACE_ROLLBACK_TARGET_INVALID';
  constructor(
    runId: string,
    readonly target: string,
    readonly branch: string,
  ) {
    super(runId, `run ${runId}: ${target} is not the base or a commit of ${branch}; nothing rolled back`);
  }
}
