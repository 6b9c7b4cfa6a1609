import type { RepoFile } from '@autopilot/contracts';
import { isToolchainManifest } from '../toolchains/toolchain-files';

/**
 * What a repository scan reads from disk: every file's path, content hash and size, and the
 * contents of the few files whose text matters (toolchain manifests, and the texts `repo.scanned`
 * carries for the planner's gap scanner). Produced by an adapter, consumed by pure code.
 */
export interface RepoSnapshot {
  /** The directory scanned, as resolved on disk. Not part of `snapshotHash`: a copy hashes the same. */
  readonly root: string;
  /** `git` when the files came from git (tracked files or a ref's tree), `directory` for a plain walk. */
  readonly source: 'git' | 'directory';
  /** The commit scanned (a ref's commit, or HEAD for a working tree); absent outside git or before the first commit. */
  readonly commit?: string;
  /** The ref scanned, as given; absent for a working tree. */
  readonly ref?: string;
  /**
   * Every file, sorted by `comparePaths`, with its size when the reader knows it, and for a file of
   * at least REPO_LARGE_FILE_BYTES whether it is binary (`isBinaryHead` of its first bytes).
   */
  readonly files: readonly RepoFile[];
  /** The files of `isManifestPath` with their contents, sorted by path; a subset of `files`. */
  readonly manifests: readonly ManifestFile[];
  /** sha256 over every path and hash (see `snapshotHashInput`): equal hashes, equal trees. */
  readonly snapshotHash: string;
}

/** A read file's text (a manifest, the README, ...), kept with the hash it was read at so a re-scan can reuse it. */
export interface ManifestFile {
  readonly path: string;
  readonly hash: string;
  /** UTF-8 text, at most `MANIFEST_LIMITS.maxBytes` of it. */
  readonly content: string;
  /** True when the file was longer than the cap and `content` is its beginning only. */
  readonly truncated: boolean;
}

/** Bounds on what a scan reads, so a repository full of package.json files cannot exhaust memory. */
export const MANIFEST_LIMITS = {
  /** Bytes read from one manifest. */
  maxBytes: 256 * 1024,
  /** Manifests read per scan: the shallowest first. */
  maxCount: 500,
  /** Path segments: a manifest deeper than this is not a project's own build. */
  maxDepth: 6,
} as const;

/** The root README, whose text `repo.scanned` carries (the planner checks it against the tree). */
const ROOT_README = /^readme(\.(md|markdown|rst|txt))?$/i;
/** Bytes git looks at to call a file binary (a NUL among them), as `git diff` does. */
export const BINARY_SNIFF_BYTES = 8000;

/**
 * Directories whose manifests belong to someone else's build: installed or vendored dependencies
 * and test fixtures. A fixture package.json must not become a toolchain of the repository.
 */
const FOREIGN_SEGMENTS = new Set([
  'node_modules',
  'vendor',
  'third_party',
  'testdata',
  'fixtures',
  '__fixtures__',
  'bower_components',
]);

/** Path order for every list a scan outputs: UTF-16 code unit order, never locale order. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The last segment of a `/`-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The directory holding `path`, `.` at the root. */
export function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

/** The path of `name` inside `directory` (`.` = root). */
export function joinPath(directory: string, name: string): string {
  return directory === '.' ? name : `${directory}/${name}`;
}

/** Number of segments in a path: `a` is 1, `a/b` is 2. */
export function pathDepth(path: string): number {
  let depth = 1;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++;
  return depth;
}

/** Shallowest first, then path order: keeps a repository's own manifests ahead of nested ones. */
export function compareByDepth(a: string, b: string): number {
  return pathDepth(a) - pathDepth(b) || comparePaths(a, b);
}

/** True when a directory on the path holds someone else's files (dependencies, fixtures). */
export function isForeignPath(path: string): boolean {
  for (const segment of path.split('/').slice(0, -1)) if (FOREIGN_SEGMENTS.has(segment)) return true;
  return false;
}

/** True for a file shallow enough, and outside dependencies and fixtures, to speak for the project's build. */
export function isDetectablePath(path: string): boolean {
  return pathDepth(path) <= MANIFEST_LIMITS.maxDepth && !isForeignPath(path);
}

/**
 * True for a file whose contents a scan reads: a toolchain manifest, or a file whose text
 * `repo.scanned` carries (`isPublishedText`). Both outside dependency and fixture directories.
 */
export function isManifestPath(path: string): boolean {
  return (isToolchainManifest(baseName(path)) || isPublishedText(path)) && isDetectablePath(path);
}

/**
 * True for a file whose text `repo.scanned` carries for the planner's gap scanner: the root README
 * (checked against the scripts and paths it names), package.json files (scripts, dependencies,
 * packageManager) and .npmrc files (registry credentials, masked before they leave: maskCredentials).
 */
export function isPublishedText(path: string): boolean {
  const name = baseName(path);
  if (name === 'package.json' || name === '.npmrc') return isDetectablePath(path);
  return path === name && ROOT_README.test(name);
}

/** Git's test for binary content: a NUL byte among the first BINARY_SNIFF_BYTES. */
export function isBinaryHead(head: Uint8Array): boolean {
  return head.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/**
 * The manifests a scan reads, shallowest first, at most `MANIFEST_LIMITS.maxCount`; returned in
 * path order. Deterministic for a given file list.
 */
export function selectManifests(files: readonly RepoFile[]): RepoFile[] {
  const candidates = files.filter((f) => isManifestPath(f.path));
  candidates.sort((a, b) => compareByDepth(a.path, b.path));
  return candidates.slice(0, MANIFEST_LIMITS.maxCount).sort((a, b) => comparePaths(a.path, b.path));
}

/**
 * The text `snapshotHash` is the sha256 of: a format line, then `path NUL hash LF` per file in path
 * order. Unambiguous even for a path holding LF (a directory walk can meet one): a path never holds
 * NUL and a hash is hex, so the text parses back into exactly one file list.
 */
export function snapshotHashInput(files: readonly RepoFile[]): string {
  const parts = ['autopilot-repo-snapshot v1\n'];
  for (const f of files) parts.push(f.path, '\0', f.hash, '\n');
  return parts.join('');
}
