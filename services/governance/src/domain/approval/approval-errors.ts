import { AutopilotError } from '@autopilot/kernel';
import type { ApprovalStatus } from '@autopilot/contracts';

/** A second decision that differs from the first: decisions never flip. */
export class ApprovalAlreadyDecidedError extends AutopilotError {
  readonly code = 'GOVERNANCE_APPROVAL_ALREADY_DECIDED';
  constructor(
    readonly approvalId: string,
    readonly status: ApprovalStatus,
    readonly attempted: 'approved' | 'rejected',
  ) {
    super(`approval ${approvalId} is already ${status}; it cannot become ${attempted}`);
  }
}

/** A decision on an approval that expired (or whose expiry passed before the decision arrived). */
export class ApprovalExpiredError extends AutopilotError {
  readonly code = 'GOVERNANCE_APPROVAL_EXPIRED';
  constructor(
    readonly approvalId: string,
    readonly expiresAt: string,
  ) {
    super(`approval ${approvalId} expired at ${expiresAt}`);
  }
}

/** A timestamp or duration that does not parse or makes no sense: names the field. */
export class ApprovalInputError extends AutopilotError {
  readonly code = 'GOVERNANCE_APPROVAL_INPUT_INVALID';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/**
 * A withdrawal of an approval governance has not recorded yet. The manager's
 * `governance.request_approval` and its later `governance.withdraw_approval` travel on different
 * subjects, so the withdrawal can come first: the bus retries it until the request has landed.
 */
export class ApprovalNotYetRequestedError extends AutopilotError {
  readonly code = 'GOVERNANCE_APPROVAL_NOT_YET_REQUESTED';
  constructor(
    readonly approvalId: string,
    readonly projectId: string,
  ) {
    super(`approval ${approvalId} of project ${projectId} is not recorded yet; the withdrawal waits for it`);
  }
}
