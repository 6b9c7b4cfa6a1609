/**
 * @autopilot/model-client/governance: BudgetAdmission over the bus, answered by governance's
 * `governance.reserve_budget` and `governance.settle_budget`. For composition roots only.
 *
 *   const admission = new GovernanceBudgetAdmission(bus);
 *   const client = new ModelClient({ ..., admission });
 */
export * from './governance-budget-admission';
