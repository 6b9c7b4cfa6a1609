import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { REPO_LARGE_FILE_BYTES, type RepoFile } from '@autopilot/contracts';
import type { PreviousRepoRead, RepoRead, RepoReader, RepoReadOptions } from '../app/ports';
import {
  RepoLocationUnsupportedError,
  RepoNotADirectoryError,
  RepoNotFoundError,
  RepoNotGitError,
  RepoReadError,
} from '../domain/repo-scan/repo-scan-errors';
import {
  BINARY_SNIFF_BYTES,
  compareByDepth,
  isBinaryHead,
  MANIFEST_LIMITS,
  selectManifests,
  type ManifestFile,
  type RepoSnapshot,
} from '../domain/repo-scan/repo-snapshot';
import { listDirectory, readFileHead } from './directory-repo-reader';
import {
  gitRepositoryKind,
  listGitTree,
  listGitWorkTree,
  readGitBlobs,
  resolveCommit,
  type GitListedFile,
  type GitListing,
} from './git-repo-reader';
import { manifestBytesToText, snapshotHash } from './repo-snapshot-hash';

/**
 * Large files whose first bytes are read to tell binary from text: each is one read (a `git
 * cat-file` for a ref), so a tree of thousands of large assets stays bounded; the rest stay unknown.
 */
const MAX_BINARY_CHECKS = 500;

/** `scheme://…` or scp-like `user@host:path`: clone URLs, which a local reader cannot open. */
const REMOTE_LOCATION = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/|^[^/\\\s]+@[^/\\\s]+:/;

/**
 * Reads a repository on this machine: through git when the directory is in a git repository
 * (tracked files, or a ref's tree), else by walking the directory. Manifests come from the
 * previous read when their hash is unchanged, else from the working tree or the ref's blobs.
 */
export class LocalRepoReader implements RepoReader {
  async read(location: string, options: RepoReadOptions = {}): Promise<RepoRead> {
    const root = await openDirectory(location);
    const kind = await gitRepositoryKind(root);
    let source: RepoSnapshot['source'] = 'git';
    let listing: GitListing;
    // A ref's (or a bare repository's) files exist only as blobs; a working tree's are on disk.
    let fromBlobs = true;
    if (options.ref !== undefined) {
      if (kind === undefined) throw new RepoNotGitError(location, options.ref);
      listing = await listGitTree(root, await resolveCommit(root, options.ref));
    } else if (kind === 'worktree') {
      listing = await listGitWorkTree(root);
      fromBlobs = false;
    } else if (kind === 'bare') {
      // A bare repository has no working tree to read: its HEAD is what there is to scan.
      listing = await listGitTree(root, await resolveCommit(root, 'HEAD'));
    } else {
      source = 'directory';
      listing = { files: await listDirectory(root) };
      fromBlobs = false;
    }

    const binary = await this.binaryFlags(root, listing.files, fromBlobs);
    const files = listing.files.map(({ path, hash, size }): RepoFile => {
      const flag = binary.get(path);
      return {
        path,
        hash,
        ...(size !== undefined ? { size } : {}),
        ...(flag !== undefined ? { binary: flag } : {}),
      };
    });
    const hash = snapshotHash(files);
    const { manifests, read } = await this.manifests(root, listing.files, fromBlobs, options.previous);
    const snapshot: RepoSnapshot = {
      root,
      source,
      ...(listing.commit !== undefined ? { commit: listing.commit } : {}),
      ...(options.ref !== undefined ? { ref: options.ref } : {}),
      files,
      manifests,
      snapshotHash: hash,
    };
    return { snapshot, manifestsRead: read, manifestsReused: manifests.length - read };
  }

  /**
   * Whether each large file is binary (`isBinaryHead` of its first bytes), for at most
   * MAX_BINARY_CHECKS of them, shallowest first (the ones `repo.scanned`'s bounded inventory keeps).
   * A directory walk already knows, having read every file.
   */
  private async binaryFlags(
    root: string,
    files: readonly GitListedFile[],
    fromBlobs: boolean,
  ): Promise<Map<string, boolean>> {
    const flags = new Map<string, boolean>();
    const unknown: GitListedFile[] = [];
    for (const f of files) {
      if (f.binary !== undefined) flags.set(f.path, f.binary);
      else if (f.size !== undefined && f.size >= REPO_LARGE_FILE_BYTES) unknown.push(f);
    }
    const checked = unknown.sort((a, b) => compareByDepth(a.path, b.path)).slice(0, MAX_BINARY_CHECKS);
    const heads = await this.readHeads(root, checked, fromBlobs, BINARY_SNIFF_BYTES);
    for (const f of checked) {
      const head = heads.get(f.path);
      if (head) flags.set(f.path, isBinaryHead(head.bytes));
    }
    return flags;
  }

  /** The manifests to read, each taken from `previous` when its hash is unchanged. */
  private async manifests(
    root: string,
    files: readonly GitListedFile[],
    fromBlobs: boolean,
    previousRead: PreviousRepoRead | undefined,
  ): Promise<{ manifests: ManifestFile[]; read: number }> {
    const previous = new Map((previousRead?.manifests ?? []).map((m) => [m.path, m]));
    // selectManifests keeps the objects it is given: these are GitListedFiles.
    const wanted = selectManifests(files) as GitListedFile[];
    const toRead = wanted.filter((f) => previous.get(f.path)?.hash !== f.hash);
    const heads = await this.readHeads(root, toRead, fromBlobs, MANIFEST_LIMITS.maxBytes);
    const manifests = wanted.map((f): ManifestFile => {
      const head = heads.get(f.path);
      if (!head) return previous.get(f.path) as ManifestFile;
      return {
        path: f.path,
        hash: f.hash,
        content: manifestBytesToText(head.bytes),
        truncated: head.truncated,
      };
    });
    return { manifests, read: toRead.length };
  }

  private async readHeads(
    root: string,
    files: readonly GitListedFile[],
    fromBlobs: boolean,
    maxBytes: number,
  ): Promise<Map<string, { bytes: Uint8Array; truncated: boolean }>> {
    const heads = new Map<string, { bytes: Uint8Array; truncated: boolean }>();
    if (files.length === 0) return heads;
    if (fromBlobs) {
      const blobs = await readGitBlobs(
        root,
        files.map((f) => f.hash),
        maxBytes,
      );
      for (const f of files) {
        const blob = blobs.get(f.hash);
        if (!blob) throw new RepoReadError(root, `git has no blob ${f.hash} for ${f.path}`);
        heads.set(f.path, blob);
      }
      return heads;
    }
    for (const f of files) {
      try {
        heads.set(f.path, await readFileHead(root, f.path, f.symlink, maxBytes));
      } catch (err) {
        throw new RepoReadError(root, `reading ${f.path} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return heads;
  }
}

/** Resolves a local location to a real directory path, or throws a typed error naming it. */
async function openDirectory(location: string): Promise<string> {
  if (REMOTE_LOCATION.test(location)) throw new RepoLocationUnsupportedError(location);
  const absolute = resolve(location);
  try {
    const info = await stat(absolute);
    if (!info.isDirectory()) throw new RepoNotADirectoryError(location);
    return await realpath(absolute);
  } catch (err) {
    if (err instanceof RepoNotADirectoryError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RepoNotFoundError(location);
    if (code === 'ENOTDIR') throw new RepoNotADirectoryError(location);
    throw new RepoReadError(location, `cannot open: ${(err as Error).message}`, { cause: err });
  }
}
