import type { ManifestFile, RepoSnapshot } from '../domain/repo-scan/repo-snapshot';

/** What an earlier scan of the same repository offers a new one: manifests already read, by hash. */
export interface PreviousRepoRead {
  readonly manifests: readonly ManifestFile[];
}

export interface RepoReadOptions {
  /**
   * Branch, tag or commit to read (its committed tree). Absent: the working tree as it is on disk
   * (tracked files in a git repository, every file otherwise).
   */
  readonly ref?: string;
  /** A manifest whose path and hash match one here is taken from it instead of being read again. */
  readonly previous?: PreviousRepoRead;
}

export interface RepoRead {
  readonly snapshot: RepoSnapshot;
  /** Manifests read from disk or git in this call. */
  readonly manifestsRead: number;
  /** Manifests taken from `previous` unchanged. */
  readonly manifestsReused: number;
}

/** Reads a repository into a snapshot: every file's content hash, manifest contents. */
export interface RepoReader {
  /**
   * Lists the repository's files with their hashes and reads its manifests (only those whose hash
   * differs from `previous`). Throws a RepoScanError: `badInput` ones (missing path, not a
   * directory, unknown ref, remote location, too large) will fail the same way again.
   */
  read(location: string, options?: RepoReadOptions): Promise<RepoRead>;
}
export const RepoReader = Symbol('RepoReader');
