import { AutopilotError } from '@autopilot/kernel';

/**
 * Why a repository cannot be scanned. The ones that are the request's fault (the path, the ref)
 * carry `badInput: true`: retrying the same request cannot help, so the scan job fails at once.
 */
export abstract class RepoScanError extends AutopilotError {
  abstract readonly badInput: boolean;
}

/** Nothing exists at the location. */
export class RepoNotFoundError extends RepoScanError {
  readonly code = 'INGESTION_REPO_NOT_FOUND';
  readonly badInput = true;
  constructor(readonly location: string) {
    super(`${location}: no such file or directory`);
  }
}

/** The location exists but is a file (or something else), not a directory. */
export class RepoNotADirectoryError extends RepoScanError {
  readonly code = 'INGESTION_REPO_NOT_A_DIRECTORY';
  readonly badInput = true;
  constructor(readonly location: string) {
    super(`${location}: not a directory`);
  }
}

/** A ref was asked for, and the location is not a git repository. */
export class RepoNotGitError extends RepoScanError {
  readonly code = 'INGESTION_REPO_NOT_GIT';
  readonly badInput = true;
  constructor(
    readonly location: string,
    readonly ref: string,
  ) {
    super(`${location}: not a git repository, so ref ${JSON.stringify(ref)} cannot be scanned`);
  }
}

/** The ref does not name a commit in the repository. */
export class RepoRefNotFoundError extends RepoScanError {
  readonly code = 'INGESTION_REPO_REF_NOT_FOUND';
  readonly badInput = true;
  constructor(
    readonly location: string,
    readonly ref: string,
  ) {
    super(`${location}: ref ${JSON.stringify(ref)} does not name a commit`);
  }
}

/** The location is a clone URL; scans read local repositories only (clone it first). */
export class RepoLocationUnsupportedError extends RepoScanError {
  readonly code = 'INGESTION_REPO_LOCATION_UNSUPPORTED';
  readonly badInput = true;
  constructor(readonly location: string) {
    super(`${location}: a remote location; scans read a local path (clone the repository first)`);
  }
}

/** A directory that is not a git repository holds more files than a walk will hash. */
export class RepoTooLargeError extends RepoScanError {
  readonly code = 'INGESTION_REPO_TOO_LARGE';
  readonly badInput = true;
  constructor(
    readonly location: string,
    readonly maxFiles: number,
  ) {
    super(
      `${location}: more than ${maxFiles} files outside git; make it a git repository to scan tracked files only`,
    );
  }
}

/** Reading failed for a reason that may pass (git failed, an I/O error): worth a retry. */
export class RepoReadError extends RepoScanError {
  readonly code = 'INGESTION_REPO_READ_FAILED';
  readonly badInput = false;
  constructor(
    readonly location: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${location}: ${problem}`, options);
  }
}

/**
 * The location is not one this service may scan: outside the configured roots (after resolving `..`
 * and symlinks), a relative path, or a URL scheme other than https, ssh and git.
 */
export class RepoLocationRefusedError extends RepoScanError {
  readonly code = 'INGESTION_REPO_LOCATION_REFUSED';
  readonly badInput = true;
  constructor(
    readonly location: string,
    readonly reason: string,
  ) {
    super(`${location}: refused: ${reason}`);
  }
}

/** The project already has a repository (the one its first scan read); another location is refused. */
export class RepoNotProjectRepositoryError extends RepoScanError {
  readonly code = 'INGESTION_REPO_NOT_REGISTERED';
  readonly badInput = true;
  constructor(
    readonly projectId: string,
    readonly location: string,
    readonly registered: string,
  ) {
    super(
      `${location}: refused: project ${projectId} is registered to the repository at ${registered} ` +
        '(its first scan); scan that location, or use another project for another repository',
    );
  }
}
