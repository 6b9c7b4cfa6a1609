/**
 * @autopilot/kernel: errors, clock, timers and id ports, the content hash and the one connect
 * retry loop, that every package shares. No runtime deps but `ulid`. `sha256Hex` uses node:crypto:
 * domain code receives it as a `ContentHash`.
 *
 *   import { AutopilotError, systemClock, ulidSource } from '@autopilot/kernel';
 *   class BudgetExceededError extends AutopilotError { readonly code = 'GOVERNANCE_BUDGET_EXCEEDED'; }
 */
export * from './errors';
export * from './clock';
export * from './timers';
export * from './id-source';
export * from './content-hash';
export * from './connect-with-retry';
