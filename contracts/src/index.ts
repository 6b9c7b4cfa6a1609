/**
 * @autopilot/contracts: the only place a message shape is written. Each message is one TypeBox
 * definition; its TS type is inferred, its JSON Schema and AsyncAPI channel are generated.
 *
 *   import { RunFinishedV1, buildEnvelope, validate } from '@autopilot/contracts';
 *   const issues = validate(RunFinishedV1, payload); // [] when valid
 */
export * from './define-message';
export * from './envelope';
export * from './validate';
export * from './build-envelope';
export * from './contract-violation-error';
export * from './registry';
