import type { StepKind } from '@autopilot/contracts';

/**
 * What the manager keeps of a run beyond the contract: when its lease lapses (pending and running
 * runs), the kind of its last step that did not succeed, and its error signature once it failed.
 */
export interface RunNotes {
  readonly leaseExpiresAt?: string;
  readonly failedStepKind?: StepKind;
  readonly signature?: string;
}
