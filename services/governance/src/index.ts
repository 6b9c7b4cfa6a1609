/**
 * @autopilot/governance: Policies, approvals, the budget ledger and the audit log.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service governance`.
 *
 *   import { governanceService } from '@autopilot/governance';
 *   await startServiceHost({ definition: governanceService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { APPROVAL_COLLECTIONS } from './adapters/approval-repository';
import { BUDGET_LEDGER_COLLECTIONS } from './adapters/budget-ledger-repository';
import { POLICY_COLLECTIONS } from './adapters/policy-repository';
import { PROJECT_BUDGET_COLLECTIONS } from './adapters/project-budget-repository';
import { governanceSettings } from './governance-settings';
import { GovernanceModule } from './governance.module';

export { GovernanceModule };

/** What the runtime needs to host the governance service. */
export const governanceService: ServiceDefinition = {
  name: 'governance',
  module: GovernanceModule,
  collections: [
    // policies; approvals, approval_keys, audit_log (insert only)
    ...POLICY_COLLECTIONS,
    ...APPROVAL_COLLECTIONS,
    // project_budgets; budget_windows, budget_reservations, budget_heads
    ...PROJECT_BUDGET_COLLECTIONS,
    ...BUDGET_LEDGER_COLLECTIONS,
  ],
  settings: governanceSettings,
};
