/**
 * @autopilot/kernel: errors, clock and id ports every package shares. No runtime deps but `ulid`.
 *
 *   import { AutopilotError, systemClock, ulidSource } from '@autopilot/kernel';
 *   class BudgetExceededError extends AutopilotError { readonly code = 'GOVERNANCE_BUDGET_EXCEEDED'; }
 */
export * from './errors';
export * from './clock';
export * from './id-source';
