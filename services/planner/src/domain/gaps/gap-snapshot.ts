import { REPO_LARGE_FILE_BYTES, type RepoScannedV1 } from '@autopilot/contracts';

/**
 * What the gap scanner reads: a repository's tracked files at one commit, as a plain value. The
 * planner builds it from `repo.scanned` alone (`snapshotFromScan`): ingestion read the repository,
 * and the event carries what the scanner needs. The scanner never touches a disk, so the same
 * snapshot always gives the same report.
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
  /** Every tracked file, any order (the scanner sorts); or only some of them, see `totalFiles`. */
  readonly files: readonly RepoSnapshotFile[];
  /**
   * How many files the repository has, when `files` lists fewer (a scan's bounded inventory keeps
   * the shallowest): the report then leaves out what only the whole list could show.
   */
  readonly totalFiles?: number;
  /**
   * Toolchains detected by the repository scan. When given, "no test command" is judged from them;
   * when absent, from the package.json files of the snapshot.
   */
  readonly toolchains?: readonly SnapshotToolchain[];
}

/** Files at least this large are checked for being binary (the scan says so for these). */
export const LARGE_FILE_BYTES = REPO_LARGE_FILE_BYTES;
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

/**
 * The snapshot a `repo.scanned` event describes: its file inventory with sizes and binary flags,
 * the texts it carries (whole ones only, for the files `wantsContent` names) and its toolchains.
 */
export function snapshotFromScan(scanned: RepoScannedV1): RepoSnapshot {
  const texts = new Map<string, string>();
  for (const t of scanned.fileTexts ?? [])
    if (!t.truncated && wantsContent(t.path)) texts.set(t.path, t.text);
  const files = (scanned.files ?? []).map((f): RepoSnapshotFile => {
    const content = texts.get(f.path);
    return {
      path: f.path,
      size: f.size ?? 0,
      binary: f.binary ?? false,
      ...(content !== undefined ? { content } : {}),
    };
  });
  return {
    commit: scanned.commit,
    files,
    ...(scanned.fileCount > files.length ? { totalFiles: scanned.fileCount } : {}),
    toolchains: scanned.toolchains.map((t) => ({
      name: t.name,
      manifestPath: t.manifestPath,
      ...(t.testCommand !== undefined ? { testCommand: t.testCommand } : {}),
    })),
  };
}
