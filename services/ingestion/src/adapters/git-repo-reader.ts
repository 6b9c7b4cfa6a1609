import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoFile } from '@autopilot/contracts';
import { Git, GitError, GITLINK_MODE, GitRefNotFoundError, SYMLINK_MODE, type GitBlob } from '@autopilot/git';
import { RepoReadError, RepoRefNotFoundError } from '../domain/repo-scan/repo-scan-errors';
import { comparePaths } from '../domain/repo-scan/repo-snapshot';

/**
 * Git as the source of a snapshot, through @autopilot/git (its environment, timeouts and errors):
 * tracked files and their blob ids from the index (`git ls-files -s`, no file is read), or a ref's
 * tree with sizes (`git ls-tree -r -l`). The ref is resolved to a commit id before anything else
 * sees it. Git's failures become RepoScanErrors here: RepoRefNotFoundError for a ref naming no
 * commit, RepoReadError (worth a retry) for the rest.
 */

/** A listed file; symlinks are kept (git stores the link text as the blob), gitlinks (submodules) are not. */
export interface GitListedFile extends RepoFile {
  readonly symlink: boolean;
}

export interface GitListing {
  readonly files: GitListedFile[];
  readonly commit?: string;
}

/** Files whose size is read from disk at once (a work tree's sizes are not in the index). */
const STAT_CONCURRENCY = 16;

function readError(root: string, what: string, err: unknown): RepoReadError {
  const detail = err instanceof Error ? err.message : String(err);
  return new RepoReadError(root, `${what}: ${detail}`, { cause: err });
}

/** Runs a git read, turning a GitError into a RepoReadError naming what failed. */
async function reading<T>(root: string, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof GitError) throw readError(root, what, err);
    throw err;
  }
}

/** 'worktree' inside a work tree, 'bare' in a bare repository, undefined when `root` is not in git. */
export function gitRepositoryKind(root: string): Promise<'worktree' | 'bare' | undefined> {
  return reading(root, 'git rev-parse failed', () => new Git(root).kind());
}

/**
 * The tracked files under `root` as the working tree has them: blob ids from the index, re-hashed
 * for files changed since they were staged, files deleted from disk left out, sizes from disk. Paths
 * are relative to `root` (a subdirectory of a work tree lists only its own files).
 */
export async function listGitWorkTree(root: string): Promise<GitListing> {
  const git = new Git(root);
  const [index, changes] = await reading(root, 'git ls-files failed', async () => [
    await git.listIndex(),
    await git.listWorkTreeChanges(),
  ]);
  const byPath = new Map<string, GitListedFile>();
  // A conflicted path shows once per stage: keep the first.
  for (const entry of index) {
    if (entry.mode === GITLINK_MODE || byPath.has(entry.path)) continue;
    byPath.set(entry.path, { path: entry.path, hash: entry.object, symlink: entry.mode === SYMLINK_MODE });
  }
  const rehash: string[] = [];
  for (const { status, path } of changes) {
    if (!byPath.has(path)) continue;
    if (status === 'D') byPath.delete(path);
    else rehash.push(path);
  }
  const ids = await reading(root, 'git hash-object failed', () => git.hashFiles(rehash));
  rehash.forEach((path, k) => {
    const file = byPath.get(path);
    const hash = ids[k];
    if (file && hash) byPath.set(path, { ...file, hash });
  });
  const files = await withDiskSizes(root, sortFiles(byPath.values()));
  const commit = await reading(root, 'git rev-parse HEAD failed', () => git.headCommit());
  return { files, ...(commit !== undefined ? { commit } : {}) };
}

/** Resolves `ref` to a commit id. Throws RepoRefNotFoundError when it names none. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  try {
    return await new Git(root).resolveCommit(ref);
  } catch (err) {
    if (err instanceof GitRefNotFoundError) throw new RepoRefNotFoundError(root, ref);
    if (err instanceof GitError) throw readError(root, `git rev-parse ${ref} failed`, err);
    throw err;
  }
}

/** The files of `commit`'s tree under `root` (paths relative to `root`), with their sizes. */
export async function listGitTree(root: string, commit: string): Promise<GitListing> {
  const entries = await reading(root, 'git ls-tree failed', () =>
    new Git(root).listTree(commit, { sizes: true }),
  );
  const files: GitListedFile[] = [];
  for (const entry of entries) {
    if (entry.type !== 'blob') continue;
    files.push({
      path: entry.path,
      hash: entry.object,
      ...(entry.size !== undefined ? { size: entry.size } : {}),
      symlink: entry.mode === SYMLINK_MODE,
    });
  }
  return { files: sortFiles(files), commit };
}

/**
 * Reads blobs, keeping at most `maxBytes` of each (a larger blob is never read whole). Blobs git
 * does not have are absent from the result.
 */
export function readGitBlobs(
  root: string,
  ids: readonly string[],
  maxBytes: number,
): Promise<Map<string, GitBlob>> {
  return reading(root, 'git cat-file failed', () => new Git(root).readBlobs(ids, { maxBytes }));
}

function sortFiles(files: Iterable<GitListedFile>): GitListedFile[] {
  return [...files].sort((a, b) => comparePaths(a.path, b.path));
}

/** The files with their sizes on disk (a symlink's is its link text's, as git stores it). */
async function withDiskSizes(root: string, files: GitListedFile[]): Promise<GitListedFile[]> {
  const sized = new Array<GitListedFile>(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i] as GitListedFile;
      sized[i] = { ...file, size: (await lstat(join(root, file.path))).size };
    }
  };
  try {
    await Promise.all(Array.from({ length: STAT_CONCURRENCY }, worker));
  } catch (err) {
    throw readError(root, 'reading file sizes failed', err);
  }
  return sized;
}
