import { LocalRepoReader } from './adapters/local-repo-reader';
import type { RepoReader } from './app/repo-reader';
import { describeRepository, isReusable, type RepoScan } from './domain/repo-scan/repo-scan';

export interface ScanRepositoryOptions {
  /** Branch, tag or commit to scan; absent: the working tree as it is on disk. */
  readonly ref?: string;
  /**
   * An earlier scan of the same repository. When nothing changed (same snapshot hash) it is
   * returned as it was, with this read's snapshot (commit, ref); otherwise manifests whose hash is
   * unchanged are taken from it rather than read again.
   */
  readonly previous?: RepoScan;
  /** Where files come from; the local disk and git by default. */
  readonly reader?: RepoReader;
}

/**
 * Scans a repository in this process: the CLI's `--repo` and the planner's gap scanner call this,
 * the ingestion service's scan job runs the same reader and rules. Throws a RepoScanError naming
 * the location (missing, not a directory, unknown ref, ...).
 */
export async function scanRepository(path: string, options: ScanRepositoryOptions = {}): Promise<RepoScan> {
  const reader = options.reader ?? new LocalRepoReader();
  const { previous } = options;
  const { snapshot } = await reader.read(path, {
    ...(options.ref !== undefined ? { ref: options.ref } : {}),
    ...(previous ? { previous: previous.snapshot } : {}),
  });
  if (
    previous &&
    isReusable(
      { formatVersion: previous.formatVersion, snapshotHash: previous.snapshot.snapshotHash },
      snapshot,
    )
  ) {
    return { ...previous, snapshot };
  }
  return describeRepository(snapshot);
}
