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
