import { AutopilotError } from '@autopilot/kernel';

/**
 * Why a git command failed, one class per meaning. Each names the directory it ran in; none carries
 * a credential: argv and stderr pass through `redactCredentials` before they are kept.
 */
export abstract class GitError extends AutopilotError {
  constructor(
    /** The directory git ran in. */
    readonly dir: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The directory does not exist, or is not inside a git repository. */
export class GitNotARepositoryError extends GitError {
  readonly code = 'GIT_NOT_A_REPOSITORY';
  constructor(dir: string, options?: ErrorOptions) {
    super(dir, `${dir}: not a git repository`, options);
  }
}

/** A ref (branch, tag, commit, `HEAD`) that names no commit in the repository. */
export class GitRefNotFoundError extends GitError {
  readonly code = 'GIT_REF_NOT_FOUND';
  constructor(
    dir: string,
    readonly ref: string,
    options?: ErrorOptions,
  ) {
    super(dir, `${dir}: ref ${JSON.stringify(ref)} does not name a commit`, options);
  }
}

/** Git wrote nothing for `timeoutMs` and was killed. Worth a retry: the disk or a lock may have been slow. */
export class GitTimeoutError extends GitError {
  readonly code = 'GIT_TIMEOUT';
  constructor(
    dir: string,
    readonly argv: readonly string[],
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(dir, `git ${argv.join(' ')} in ${dir}: no output for ${timeoutMs} ms, killed`, options);
  }
}

/** Any other failure: git exited non-zero, could not be started, or refused the arguments. */
export class GitCommandError extends GitError {
  readonly code = 'GIT_COMMAND_FAILED';
  constructor(
    dir: string,
    /** The arguments after `git`, credentials masked. */
    readonly argv: readonly string[],
    /** The exit code; undefined when git did not run or was killed. */
    readonly exitCode: number | undefined,
    /** Git's stderr, trimmed, at most 2000 characters, credentials masked. */
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(
      dir,
      `git ${argv.join(' ')} in ${dir} failed` +
        (exitCode !== undefined ? ` (exit ${exitCode})` : '') +
        (stderr ? `: ${stderr}` : ''),
      options,
    );
  }
}

/** Masks the user and password of any URL in `text` (`https://user:token@host` -> `https://***@host`). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@\s]*@/g, '$1***@');
}
