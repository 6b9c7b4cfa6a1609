/**
 * @autopilot/governance: Policies, approvals, the budget ledger and the audit log.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service governance`.
 *
 *   import { governanceService } from '@autopilot/governance';
 *   await startServiceHost({ definition: governanceService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { GovernanceModule } from './governance.module';

export { GovernanceModule };

/** What the runtime needs to host the governance service. */
export const governanceService: ServiceDefinition = {
  name: 'governance',
  module: GovernanceModule,
  collections: [
    { name: 'policies' },
    { name: 'approvals' },
    { name: 'budget_ledger' },
    { name: 'audit_log' },
  ],
};
