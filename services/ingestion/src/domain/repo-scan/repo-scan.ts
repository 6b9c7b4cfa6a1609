import type { RepoFile, RepoScannedV1, RepoScanProblem } from '@autopilot/contracts';
import { countLanguages } from './repo-languages';
import { publishedTexts } from './published-texts';
import { compareByDepth, comparePaths, type RepoSnapshot } from './repo-snapshot';
import { detectToolchains } from '../toolchains/toolchain-detection';
import type { DetectedToolchain } from '../toolchains/toolchain-types';

/**
 * The version of the rules that turn a snapshot into a scan. A stored scan made under another
 * version is not reused even when the snapshot hash matches: bump it when detection changes.
 */
export const REPO_SCAN_FORMAT = 2; // 2: file sizes, binary flags and published texts (issue 12)

/** Files listed in `repo.scanned` (its contract's bound); `fileCount` still counts them all. */
export const MAX_INVENTORY_FILES = 2000;

/** Entries of `topLevelPaths`, the `repo.scanned` contract's bound. */
export const MAX_TOP_LEVEL_PATHS = 1000;

/** What a scan tells about a repository: its snapshot and what was found in it. */
export interface RepoScan {
  readonly formatVersion: number;
  readonly snapshot: RepoSnapshot;
  readonly toolchains: readonly DetectedToolchain[];
  /** Most files first, ties by name. */
  readonly languages: readonly { name: string; files: number }[];
  /** Names at the root in path order; directories end in `/`. */
  readonly topLevelPaths: readonly string[];
  readonly fileCount: number;
  /** Manifests that could not be used, for a person to fix. */
  readonly problems: readonly RepoScanProblem[];
}

/** Describes a snapshot. Pure: equal snapshots give equal scans, byte for byte once serialised. */
export function describeRepository(snapshot: RepoSnapshot): RepoScan {
  const { toolchains, problems } = detectToolchains(snapshot.files, snapshot.manifests);
  return {
    formatVersion: REPO_SCAN_FORMAT,
    snapshot,
    toolchains,
    languages: countLanguages(snapshot.files),
    topLevelPaths: topLevelPaths(snapshot.files),
    fileCount: snapshot.files.length,
    problems,
  };
}

/** The root's entries: files by name, directories by name and a trailing `/`. */
export function topLevelPaths(files: readonly RepoFile[]): string[] {
  const entries = new Set<string>();
  for (const { path } of files) {
    const slash = path.indexOf('/');
    entries.add(slash < 0 ? path : path.slice(0, slash + 1));
  }
  return [...entries].sort(comparePaths).slice(0, MAX_TOP_LEVEL_PATHS);
}

/**
 * At most `max` files, in path order. When there are more, the shallowest are kept (the root, the
 * manifests and the layout matter more to a reader than files deep in a tree).
 */
export function boundedInventory(
  files: readonly RepoFile[],
  max: number,
): { files: RepoFile[]; truncated: boolean } {
  if (files.length <= max) return { files: [...files], truncated: false };
  const kept = [...files].sort((a, b) => compareByDepth(a.path, b.path)).slice(0, max);
  return { files: kept.sort((a, b) => comparePaths(a.path, b.path)), truncated: true };
}

/** What a stored scan needs to be reused: the snapshot it described and the rules it used. */
export interface ScanIdentity {
  readonly formatVersion: number;
  readonly snapshotHash: string;
}

/**
 * True when an earlier scan stands for this snapshot as it is: the same files with the same
 * contents (snapshot hash) described by the same rules (format version).
 */
export function isReusable(previous: ScanIdentity | undefined, snapshot: RepoSnapshot): boolean {
  return (
    previous !== undefined &&
    previous.formatVersion === REPO_SCAN_FORMAT &&
    previous.snapshotHash === snapshot.snapshotHash
  );
}

/** What `repo.scanned` says about the repository's contents, and what a stored scan keeps of it. */
export type RepoScanResult = Pick<
  RepoScannedV1,
  | 'toolchains'
  | 'languages'
  | 'fileCount'
  | 'topLevelPaths'
  | 'snapshotHash'
  | 'files'
  | 'filesTruncated'
  | 'problems'
  | 'fileTexts'
  | 'fileTextsTruncated'
>;

/** A scan in the shape `repo.scanned` carries it, with the file inventory bounded. */
export function scanResult(scan: RepoScan): RepoScanResult {
  const inventory = boundedInventory(scan.snapshot.files, MAX_INVENTORY_FILES);
  const texts = publishedTexts(scan.snapshot.manifests);
  return {
    toolchains: scan.toolchains.map((t) => ({ ...t })),
    languages: scan.languages.map((l) => ({ ...l })),
    fileCount: scan.fileCount,
    topLevelPaths: [...scan.topLevelPaths],
    snapshotHash: scan.snapshot.snapshotHash,
    files: inventory.files,
    filesTruncated: inventory.truncated,
    problems: scan.problems.slice(0, 100),
    fileTexts: texts.texts,
    fileTextsTruncated: texts.truncated,
  };
}
