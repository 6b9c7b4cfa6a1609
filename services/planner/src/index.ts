/**
 * @autopilot/planner: The plan graph: plan nodes, intention anchors, task specs, gap reports and plan proposals.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service planner`.
 *
 *   import { plannerService } from '@autopilot/planner';
 *   await startServiceHost({ definition: plannerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { PlannerModule } from './planner.module';

export { PlannerModule };

/** What the runtime needs to host the planner service. */
export const plannerService: ServiceDefinition = {
  name: 'planner',
  module: PlannerModule,
  collections: [
    { name: 'plan_nodes' },
    { name: 'anchors' },
    { name: 'task_specs' },
    { name: 'gap_reports' },
    { name: 'plan_proposals' },
  ],
};
