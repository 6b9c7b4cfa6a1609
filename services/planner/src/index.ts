/**
 * @autopilot/planner: The plan graph: plan nodes, intention anchors, task specs, gap reports and plan proposals.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service planner`.
 *
 *   import { plannerService } from '@autopilot/planner';
 *   await startServiceHost({ definition: plannerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { PLAN_COLLECTIONS } from './adapters/plan-repository';
import { ANCHOR_COLLECTIONS } from './adapters/anchor-repository';
import { GAP_REPORT_COLLECTIONS } from './adapters/gap-report-repository';
import { PLAN_PROPOSAL_COLLECTIONS } from './adapters/plan-proposal-repository';
import { REFINEMENT_COLLECTIONS } from './adapters/refinement-cache';
import { REPO_VIEW_COLLECTIONS } from './adapters/repo-view-repository';
import { plannerSettings } from './planner-settings';
import { PlannerModule } from './planner.module';

/** What the runtime needs to host the planner service. */
export const plannerService: ServiceDefinition = {
  name: 'planner',
  module: PlannerModule,
  collections: [
    // plans, plan_nodes, task_specs, plan_positions, plan_rejections; plan_refinements
    ...PLAN_COLLECTIONS,
    ...REFINEMENT_COLLECTIONS,
    ...ANCHOR_COLLECTIONS,
    ...GAP_REPORT_COLLECTIONS,
    ...PLAN_PROPOSAL_COLLECTIONS,
    ...REPO_VIEW_COLLECTIONS,
  ],
  settings: plannerSettings,
};
