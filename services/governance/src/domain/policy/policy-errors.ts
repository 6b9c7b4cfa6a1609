import { AutopilotError } from '@autopilot/kernel';

/** A policy given by a person is not valid: `field` names where (`commands[2].argv[0]`), `problem` what. */
export class PolicyInvalidError extends AutopilotError {
  readonly code = 'GOVERNANCE_POLICY_INVALID';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`policy.${field}: ${problem}`);
  }
}
