/**
 * @autopilot/worker: Executes runs in git worktrees; stateless, so it owns no collections (worktrees are scratch).
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service worker`.
 *
 *   import { workerService } from '@autopilot/worker';
 *   await startServiceHost({ definition: workerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { WorkerModule } from './worker.module';

export { WorkerModule };

/** What the runtime needs to host the worker service. */
export const workerService: ServiceDefinition = {
  name: 'worker',
  module: WorkerModule,
  collections: [],
};
