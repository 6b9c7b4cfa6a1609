import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { AutopilotError, ConfigError } from '@autopilot/kernel';
import { maskUrl } from '@autopilot/runtime';
import { Git } from '@autopilot/git';
import { BlueprintRejectedError, readBlueprintSource, type BlueprintSource } from '@autopilot/ingestion';
import { ModelAuthError, ModelProviderError, verifyModelAccess } from '@autopilot/model-client';
import type { WorkerModelSettings } from '@autopilot/worker';

/** Input `autopilot start` cannot work with: exit 2, nothing started, spent or written. */
export class StartInputError extends AutopilotError {
  readonly code = 'START_BAD_INPUT';
}

/** What a start works from, checked before anything starts. */
export interface StartInput {
  readonly source: BlueprintSource;
  /** The repository's absolute path. */
  readonly repo: string;
  readonly defaultBranch: string;
  /** The commit runs start from: the checked-out branch's head, never the working tree. */
  readonly baseCommit: string;
  /** Files changed in the working tree but not committed: runs do not see them (said, not refused). */
  readonly uncommitted: number;
}

/**
 * Reads the blueprint and checks the repository: a readable blueprint, a git repository with at
 * least one commit on a branch. A dirty working tree is no error: runs work in worktrees from the
 * committed state and never touch the person's checkout; the caller says so.
 * @throws StartInputError naming what and where.
 */
export async function readStartInput(
  blueprint: string,
  repoPath: string,
  /** `--dir`: inside the repository (`--repo . --dir .autopilot`) it is Autopilot's own, not a change. */
  stateDir: string,
): Promise<StartInput> {
  const source = await readBlueprintSource(blueprint).catch((err: unknown) => {
    if (err instanceof BlueprintRejectedError) throw new StartInputError(err.message);
    throw missing(err, blueprint, 'the blueprint') ?? err;
  });
  const repo = resolve(repoPath);
  const info = await stat(repo).catch((err: unknown) => {
    throw missing(err, repoPath, 'the repository (--repo)') ?? err;
  });
  if (!info.isDirectory()) throw new StartInputError(`--repo ${repoPath}: not a directory`);
  const git = new Git(repo);
  if ((await git.kind()) !== 'worktree') {
    throw new StartInputError(
      `--repo ${repoPath}: not a git repository (run \`git init\` and commit, or name the repository's own folder)`,
    );
  }
  const defaultBranch = await git.currentBranch();
  if (defaultBranch === undefined) {
    throw new StartInputError(
      `--repo ${repoPath}: no branch is checked out (a detached HEAD): check out the branch the work starts from`,
    );
  }
  const baseCommit = await git.headCommit();
  if (baseCommit === undefined) {
    throw new StartInputError(
      `--repo ${repoPath}: branch ${defaultBranch} has no commit yet: commit something first`,
    );
  }
  // Staged, changed and untracked files alike: none of them is in the commit the runs start from.
  const ownDir = relative(repo, resolve(stateDir));
  const inside = ownDir !== '' && !ownDir.startsWith('..') && !isAbsolute(ownDir);
  const uncommitted = (
    await git.raw(['status', '--porcelain', ...(inside ? ['--', '.', `:(exclude)${ownDir}`] : [])])
  )
    .split('\n')
    .filter((l) => l.trim() !== '').length;
  return { source, repo, defaultBranch, baseCommit, uncommitted };
}

/**
 * Asks the model's server whether it takes the key, before anything is spent.
 * @throws StartInputError when it refuses the key or cannot be reached.
 */
export async function checkModelAccess(model: WorkerModelSettings): Promise<void> {
  const name = model.routing.roles.worker_code.cheap;
  const where = modelServerOf(model);
  try {
    await verifyModelAccess(
      {
        ...(model.baseURL !== undefined ? { baseURL: model.baseURL } : {}),
        ...(model.apiKey !== undefined ? { apiKey: model.apiKey } : {}),
        timeoutMs: Math.min(model.timeoutMs, 15_000),
      },
      name,
    );
  } catch (err) {
    if (err instanceof ModelAuthError) {
      throw new StartInputError(
        `the model server at ${where} refused the API key (HTTP ${err.status}): check OPENAI_API_KEY`,
      );
    }
    if (err instanceof ModelProviderError) {
      throw new StartInputError(
        `the model server at ${where} did not answer as expected (${maskUrl(err.providerMessage)}): check OPENAI_BASE_URL`,
      );
    }
    throw err;
  }
}

/** Where the model is served, fit to print: credentials in the URL (user:password@, ?key=) masked. */
export function modelServerOf(model: WorkerModelSettings): string {
  return maskUrl(model.baseURL ?? 'https://api.openai.com/v1');
}

/** Whether an error is bad input (exit 2) rather than a failure while running (exit 1). */
export function isBadInput(err: unknown): boolean {
  return err instanceof StartInputError || err instanceof ConfigError;
}

function missing(err: unknown, path: string, what: string): StartInputError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new StartInputError(`${path}: no such file or directory (${what})`);
  if (code === 'EACCES' || code === 'EPERM') return new StartInputError(`${path}: not readable (${what})`);
  return undefined;
}
