import type { RepoFile } from '@autopilot/contracts';

/**
 * What a repository scan reads from disk: every file's path and content hash, and the contents of
 * the few manifest files toolchain detection needs. Produced by an adapter, consumed by pure code
 * (toolchain detection here, the planner's gap scanner in-process through `scanRepository`).
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
  /** Every file, sorted by `comparePaths`. */
  readonly files: readonly RepoFile[];
  /** Manifest files with their contents, sorted by path; a subset of `files`. */
  readonly manifests: readonly ManifestFile[];
  /** sha256 over every path and hash (see `snapshotHashInput`): equal hashes, equal trees. */
  readonly snapshotHash: string;
}

/** A manifest's text, kept with the hash it was read at so a re-scan can reuse it. */
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

/**
 * Files whose contents decide a toolchain or a command. Lockfiles and wrappers matter by presence
 * only (their names are in the file list), so they are never read.
 */
const MANIFEST_NAMES = new Set([
  'package.json',
  'pnpm-workspace.yaml',
  'pyproject.toml',
  'setup.cfg',
  'tox.ini',
  'pytest.ini',
  'go.mod',
  'Cargo.toml',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'settings.gradle',
  'settings.gradle.kts',
]);
const REQUIREMENTS_FILE = /^requirements([-_.][\w.-]*)?\.txt$/;

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

/** True for a file whose contents toolchain detection reads. */
export function isManifestPath(path: string): boolean {
  const name = baseName(path);
  return (MANIFEST_NAMES.has(name) || REQUIREMENTS_FILE.test(name)) && isDetectablePath(path);
}

/** True for a requirements file (`requirements.txt`, `requirements-dev.txt`, ...). */
export function isRequirementsFile(name: string): boolean {
  return REQUIREMENTS_FILE.test(name);
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
