/**
 * @autopilot/kernel: errors, clock, timers and id ports, the content hash, the one connect retry
 * loop and IANA time-zone calendar arithmetic (pure, for domain code), that every package shares.
 * No runtime deps but `ulid`. `sha256Hex` uses node:crypto: domain code receives it as a
 * `ContentHash`.
 *
 *   import { AutopilotError, localDateAt, systemClock, ulidSource } from '@autopilot/kernel';
 *   class BudgetExceededError extends AutopilotError { readonly code = 'GOVERNANCE_BUDGET_EXCEEDED'; }
 *   const today = localDateAt('Europe/Berlin', clock.now());
 */
export * from './errors';
export * from './clock';
export * from './timers';
export * from './id-source';
export * from './content-hash';
export * from './connect-with-retry';
export * from './zoned-time';
export * from './error-signature';
export * from './canonical-json';
export * from './common-affix';
export * from './in-order-lookup';
