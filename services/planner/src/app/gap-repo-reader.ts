import { AutopilotError } from '@autopilot/kernel';
import type { RepoSnapshot } from '../domain/gaps/gap-snapshot';

/** Reads a repository's tracked files, for the gap scanner. Never writes to the repository. */
export interface RepoSnapshotReader {
  /**
   * The tracked files of the repository at `path` as of `commit` (HEAD when absent): paths, sizes,
   * whether large files are binary, and the text of the files the scanner reads. Throws
   * RepoReadError when `path` is not a git repository, or the commit is unknown or missing.
   */
  read(path: string, commit?: string): Promise<RepoSnapshot>;
}
export const RepoSnapshotReader = Symbol('RepoSnapshotReader');

/** The repository could not be read: not a repository, no such commit, or git failed. */
export class RepoReadError extends AutopilotError {
  readonly code = 'PLANNER_REPO_UNREADABLE';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot read the repository at ${path}: ${reason}`, options);
  }
}
