import { open, opendir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_LARGE_FILE_BYTES } from '@autopilot/contracts';
import { gitBlobId } from '@autopilot/git';
import { RepoReadError, RepoTooLargeError } from '../domain/repo-scan/repo-scan-errors';
import { comparePaths, isBinaryHead } from '../domain/repo-scan/repo-snapshot';
import type { GitListedFile } from './git-repo-reader';

/**
 * A directory that is not a git repository, walked on disk. Every file is read once to hash it (as
 * git would: its blob id), so the walk is bounded and skips what is never a project's own source:
 * version-control metadata, installed dependencies, virtual environments, caches, build output.
 */

/** Directory names never entered. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  'bower_components',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.gradle',
  '.idea',
  'target',
  '.next',
  '.turbo',
  '.cache',
]);

/** Files a walk hashes before it gives up and asks for a git repository instead. */
export const MAX_WALKED_FILES = 100_000;
/** Files hashed at once: enough to keep the disk busy, few enough to bound open descriptors. */
const HASH_CONCURRENCY = 16;

/**
 * Every regular file and symlink below `root` (symlinks are not followed), hashed and sized, in path
 * order; a file of at least REPO_LARGE_FILE_BYTES also says whether it is binary.
 */
export async function listDirectory(root: string): Promise<GitListedFile[]> {
  const found: { path: string; symlink: boolean }[] = [];
  const pending: string[] = [''];
  try {
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      for await (const entry of await opendir(join(root, dir))) {
        const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRECTORIES.has(entry.name)) pending.push(path);
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          found.push({ path, symlink: entry.isSymbolicLink() });
          if (found.length > MAX_WALKED_FILES) throw new RepoTooLargeError(root, MAX_WALKED_FILES);
        }
      }
    }
  } catch (err) {
    if (err instanceof RepoTooLargeError) throw err;
    throw new RepoReadError(root, `walking the directory failed: ${(err as Error).message}`, { cause: err });
  }
  found.sort((a, b) => comparePaths(a.path, b.path));

  const files: GitListedFile[] = new Array<GitListedFile>(found.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < found.length; i = next++) {
      const { path, symlink } = found[i] as { path: string; symlink: boolean };
      const content = await contentForHash(root, path, symlink);
      const size = content.byteLength;
      files[i] = {
        path,
        symlink,
        hash: gitBlobId(content),
        size,
        ...(size >= REPO_LARGE_FILE_BYTES ? { binary: isBinaryHead(content) } : {}),
      };
    }
  };
  try {
    await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  } catch (err) {
    throw new RepoReadError(root, `reading files failed: ${(err as Error).message}`, { cause: err });
  }
  return files;
}

/** What git would store for the file: its bytes, or for a symlink the link's target text. */
async function contentForHash(root: string, path: string, symlink: boolean): Promise<Uint8Array> {
  const full = join(root, path);
  return symlink ? Buffer.from(await readlink(full)) : readFile(full);
}

/**
 * Up to `maxBytes` of a file in a working tree, and whether it was longer. A symlink gives its
 * target text, as in git, so a manifest link never reads a file outside the repository.
 */
export async function readFileHead(
  root: string,
  path: string,
  symlink: boolean,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const full = join(root, path);
  if (symlink) return { bytes: Buffer.from(await readlink(full)), truncated: false };
  const handle = await open(full, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: buffer.subarray(0, Math.min(length, maxBytes)), truncated: length > maxBytes };
  } finally {
    await handle.close();
  }
}
