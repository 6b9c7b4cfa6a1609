import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { AutopilotError } from '@autopilot/kernel';

/**
 * A path a tool may not use, and why. Tools answer it to the model as a tool error; it never
 * escapes a tool call.
 */
export class WorktreePathRefusedError extends AutopilotError {
  readonly code = 'WORKER_PATH_REFUSED';
  constructor(
    /** The path as the model wrote it. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(path.slice(0, 300))} refused: ${reason}`);
  }
}

/** A path checked to stay inside the worktree. */
export interface WorktreePath {
  /** Normalized, relative to the worktree root, `/`-separated; `.` for the root itself. */
  readonly relative: string;
  /** The real worktree root joined with `relative`: the path every file operation uses. */
  readonly absolute: string;
  /** False when no file or directory exists there yet. */
  readonly exists: boolean;
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

const isInside = (root: string, real: string): boolean => real === root || real.startsWith(root + sep);

/** True when a `/`-separated relative path names `.git` (a directory or a worktree's `.git` file) at any level. */
const touchesGitDir = (relativePath: string): boolean =>
  relativePath.split(/[\\/]/).some((segment) => segment.toLowerCase() === '.git');

/** The worktree root with every symlink resolved: what `resolveWorktreePath` compares real paths with. */
export async function realWorktreeRoot(root: string): Promise<string> {
  if (!isAbsolute(root))
    throw new WorktreePathRefusedError(root, 'the worktree root must be an absolute path');
  return realpath(root);
}

/**
 * Checks a path the model supplied against the worktree at `realRoot` (see `realWorktreeRoot`):
 * relative only, no `..` that leaves the worktree, nothing named `.git` at any level, and no
 * symlink at any level whose real target is outside the worktree, inside `.git`, or missing (a
 * dangling link could be written through to anywhere), and no file with more than one hard link.
 * Components that do not exist yet are fine: they will be created under the deepest existing
 * directory, which has passed the checks.
 * Rejects with WorktreePathRefusedError naming the path and the reason.
 */
export async function resolveWorktreePath(
  realRoot: string,
  requested: string,
  options: { allowRoot?: boolean } = {},
): Promise<WorktreePath> {
  const refuse = (reason: string): never => {
    throw new WorktreePathRefusedError(requested, reason);
  };
  if (requested.includes('\0')) refuse('the path contains a NUL character');
  if (requested.trim() === '') refuse('the path is empty');
  if (isAbsolute(requested) || /^[A-Za-z]:[\\/]/.test(requested)) {
    refuse('absolute paths are not allowed; give a path relative to the worktree root');
  }
  const normalized = posix.normalize(requested).replace(/\/+$/, '') || '.';
  if (normalized === '..' || normalized.startsWith('../')) refuse('the path leads outside the worktree');
  if (touchesGitDir(normalized)) refuse('.git holds the repository itself; tools never read or write it');
  if (normalized === '.') {
    if (!options.allowRoot) refuse('the path names the worktree root, not a file');
    return { relative: '.', absolute: realRoot, exists: true };
  }

  let current = realRoot;
  let exists = true;
  const segments = normalized.split('/');
  for (const [i, segment] of segments.entries()) {
    const next = join(current, segment);
    const shown = segments.slice(0, i + 1).join('/');
    let stats;
    try {
      stats = await lstat(next);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') {
        exists = false;
        break;
      }
      if (errnoOf(err) === 'ENOTDIR') refuse(`${segments.slice(0, i).join('/')} is a file, not a directory`);
      throw err;
    }
    if (stats.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(next);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ELOOP') {
          return refuse(`${shown} is a symlink whose target does not exist`);
        }
        throw err;
      }
      if (!isInside(realRoot, target)) refuse(`${shown} is a symlink to ${target}, outside the worktree`);
      if (touchesGitDir(relative(realRoot, target))) refuse(`${shown} is a symlink into .git`);
      current = target;
    } else {
      // A hard link shares its file with another path, which may be outside the worktree; git
      // never makes one in a checkout, so only something planted (a command's `ln`) does.
      if (stats.isFile() && stats.nlink > 1)
        refuse(`${shown} has ${stats.nlink} hard links and may be shared with a file outside the worktree`);
      current = next;
    }
  }
  return { relative: normalized, absolute: join(realRoot, normalized), exists };
}
