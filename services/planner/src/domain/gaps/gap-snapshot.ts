/**
 * What the gap scanner reads: a repository's tracked files at one commit, as a plain value. An
 * adapter builds it read-only (git ls-tree, cat-file); tests and the CLI can build it however they
 * like. The scanner never touches a disk, so the same snapshot always gives the same report.
 */

export interface RepoSnapshotFile {
  /** Path from the repository root, `/`-separated. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * Git's own judgement (a NUL byte in the first 8000 bytes). Known for files of at least
   * LARGE_FILE_BYTES, which are the only ones the scanner asks about; false for the others.
   */
  readonly binary: boolean;
  /** The text, for the files `wantsContent` names (and only when at most MAX_CONTENT_BYTES). */
  readonly content?: string;
}

/** A toolchain as the repository scan reported it (the `repo.scanned` Toolchain has these fields). */
export interface SnapshotToolchain {
  readonly name: string;
  readonly manifestPath: string;
  readonly testCommand?: readonly string[];
}

export interface RepoSnapshot {
  /** The commit whose tree this is, when there is one. */
  readonly commit?: string;
  /** Every tracked file, any order (the scanner sorts). */
  readonly files: readonly RepoSnapshotFile[];
  /**
   * Toolchains detected by the repository scan. When given, "no test command" is judged from them;
   * when absent, from the package.json files of the snapshot.
   */
  readonly toolchains?: readonly SnapshotToolchain[];
}

/** Files at least this large are checked for being binary. */
export const LARGE_FILE_BYTES = 1024 * 1024;
/** Files at least this large are reported whatever their content. */
export const HUGE_FILE_BYTES = 10 * 1024 * 1024;
/** Contents larger than this are not loaded (a README or a manifest is far smaller). */
export const MAX_CONTENT_BYTES = 1024 * 1024;

/**
 * The files whose text the scanner reads: the root README (doc drift), every package.json outside
 * node_modules (scripts, dependencies, packageManager) and `.npmrc` files (tokens).
 */
export function wantsContent(path: string): boolean {
  if (path.includes('node_modules/')) return false;
  const base = baseName(path);
  if (base === 'package.json' || base === '.npmrc') return true;
  return !path.includes('/') && /^readme(\.(md|markdown|rst|txt))?$/i.test(path);
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

export function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
