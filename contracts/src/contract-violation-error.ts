import { AutopilotError } from '@autopilot/kernel';
import { formatIssues, type ValidationIssue } from './validate';

/** A message that breaks its contract: never retried, dead-lettered with these issues as the reason. */
export class ContractViolationError extends AutopilotError {
  readonly code = 'CONTRACT_VIOLATION';
  constructor(
    readonly messageType: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`${messageType} violates its contract: ${formatIssues(issues)}`);
  }
}
