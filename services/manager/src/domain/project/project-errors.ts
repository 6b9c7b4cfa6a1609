import { NonRetryableError } from '@autopilot/kernel';

/**
 * A manager command named a project the manager does not hold. No contract carries a refusal of a
 * manager command, so the bus logs and dead-letters it (NonRetryableError): a person sees it in the
 * log and in the dead letters, and nothing is changed.
 */
export class UnknownProjectError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly command: string,
  ) {
    super(`${command}: project ${projectId} does not exist (create it with manager.create_project first)`);
  }
}

/** Project settings that cannot be used: a schedule or time zone that does not parse, a cap that is no amount. */
export class InvalidProjectSettingsError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly field: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`project ${projectId}: ${field} ${problem}`, options);
  }
}

/** `manager.create_project` for an id that already holds a project with other settings. */
export class ProjectExistsError extends NonRetryableError {
  constructor(readonly projectId: string) {
    super(
      `manager.create_project: project ${projectId} already exists with other settings; a resent create must repeat them`,
    );
  }
}
