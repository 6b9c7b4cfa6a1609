import { NonRetryableError } from '@autopilot/kernel';

/**
 * `cmd.planner.announce_plan` named a plan this planner does not store (or stores for another
 * project), or a revision newer than the one it stores: no redelivery brings it back, so the
 * command is dead-lettered rather than retried.
 */
export class UnknownPlanRevisionError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly planId: string,
    readonly revision: number,
    /** The revision stored, when the plan is stored for that project. */
    readonly storedRevision: number | undefined,
  ) {
    super(
      storedRevision === undefined
        ? `plan ${planId} of project ${projectId} is not stored here: nothing to announce`
        : `plan ${planId} has revision ${storedRevision} stored, older than the revision ${revision} asked for`,
    );
  }
}
