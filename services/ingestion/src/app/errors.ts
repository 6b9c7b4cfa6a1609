import { NonRetryableError } from '@autopilot/kernel';

/** A job id reused for a different text: the job cannot be resumed with it, and retrying will not help. */
export class IngestionJobConflictError extends NonRetryableError {
  constructor(
    readonly jobId: string,
    readonly storedDigest: string,
    readonly submittedDigest: string,
  ) {
    super(
      `ingestion job ${jobId} was started for text ${storedDigest.slice(0, 12)}…, not ${submittedDigest.slice(0, 12)}…: use a new job id`,
    );
  }
}

/** An announcement asked for a blueprint version ingestion does not hold finished: retrying will not help. */
export class UnknownBlueprintVersionError extends NonRetryableError {
  constructor(
    readonly blueprintId: string,
    readonly version: number,
  ) {
    super(`blueprint ${blueprintId} has no finished version ${version} to announce`);
  }
}
