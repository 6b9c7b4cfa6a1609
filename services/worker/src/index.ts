/**
 * @autopilot/worker: Executes runs in git worktrees; stateless, so it owns no collections (worktrees are scratch).
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service worker`.
 *
 *   import { workerService } from '@autopilot/worker';
 *   await startServiceHost({ definition: workerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { Provider } from '@nestjs/common';
import type { ServiceDefinition } from '@autopilot/runtime';
import { workerSettings } from './worker-settings';
import { WorkerModule, workerModuleWith } from './worker.module';

export { WorkerModule };

/** What the runtime needs to host the worker service. */
export const workerService: ServiceDefinition = {
  name: 'worker',
  module: WorkerModule,
  collections: [],
};

/**
 * The worker service with its run loop over `adapters` (the providers of RunWorkspaces,
 * WorkerTools, RunModel, CommandRunner, RunJournal and RunContextSources; see app/ports.ts).
 * `workerService` becomes this once those adapters exist; its settings then join the README's
 * configuration table.
 */
export function workerServiceWith(adapters: readonly Provider[]): ServiceDefinition {
  return { name: 'worker', module: workerModuleWith(adapters), collections: [], settings: workerSettings };
}
