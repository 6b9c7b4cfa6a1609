/**
 * @autopilot/manager: Projects, task states and runs: schedules work under autonomy modes and budgets.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service manager`.
 *
 *   import { managerService } from '@autopilot/manager';
 *   await startServiceHost({ definition: managerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { DAILY_SUMMARY_COLLECTIONS } from './adapters/daily-summary-repository';
import { LEARNING_COLLECTIONS } from './adapters/learning-store';
import { PROJECT_COLLECTIONS } from './adapters/project-repository';
import { TASK_GRAPH_COLLECTIONS } from './adapters/task-graph-repository';
import { TICK_COLLECTIONS } from './adapters/tick-record-repository';
import { managerSettings } from './manager-settings';
import { ManagerModule } from './manager.module';

export { ManagerModule };
/** For clients that build `manager.create_project` from a person's words (the CLI's `--schedule`). */
export { parseSchedule } from './domain/schedule/schedule-window';
export { isOpen as scheduleIsOpen } from './domain/schedule/schedule-open';

/** What the runtime needs to host the manager service. */
export const managerService: ServiceDefinition = {
  name: 'manager',
  module: ManagerModule,
  // projects; task_graphs, tasks, runs; tick_state; project_learning, task_learning; daily_summaries
  collections: [
    ...PROJECT_COLLECTIONS,
    ...TASK_GRAPH_COLLECTIONS,
    ...TICK_COLLECTIONS,
    ...LEARNING_COLLECTIONS,
    ...DAILY_SUMMARY_COLLECTIONS,
  ],
  settings: managerSettings,
};
