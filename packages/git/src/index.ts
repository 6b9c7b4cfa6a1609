/**
 * @autopilot/git: the one way Autopilot runs git. simple-git underneath; argv only, never a shell;
 * no inherited `GIT_*` variable, no prompt, no optional lock; a timeout on silence; failures as
 * typed GitErrors (branch on `code`). Services and the CLI import it; `domain/` and `app/` must not.
 *
 *   const git = new Git(repoDir, { timeoutMs: 30_000 });
 *   const commit = await git.resolveCommit('main'); // GitRefNotFoundError, GitNotARepositoryError
 *   const branch = await currentBranch(repoDir); // undefined when HEAD is detached
 */
export {
  Git,
  currentBranch,
  SYMLINK_MODE,
  GITLINK_MODE,
  type GitOptions,
  type GitIndexEntry,
  type GitTreeEntry,
  type GitBlob,
} from './git';
export {
  GitError,
  GitNotARepositoryError,
  GitRefNotFoundError,
  GitTimeoutError,
  GitCommandError,
  redactCredentials,
} from './git-errors';
export { gitEnvironment } from './git-environment';
export { gitBlobId } from './git-blob-id';
