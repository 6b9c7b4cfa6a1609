/**
 * @autopilot/worker: Executes runs in git worktrees; stateless, so it owns no collections (worktrees are scratch).
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service worker`.
 *
 *   import { workerService } from '@autopilot/worker';
 *   await startServiceHost({ definition: workerService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { Provider } from '@nestjs/common';
import type { ServiceDefinition } from '@autopilot/runtime';
import { WORKER_ADAPTERS } from './worker-adapters';
import { workerSettings } from './worker-settings';

export type { WorkerModelSettings, WorkerSettings } from './worker-settings';
import { workerModuleWith } from './worker.module';

/**
 * The worker service with its real adapters: worktrees from a cached mirror, the tools, the
 * bubblewrap sandbox, the one model client (budget through governance), the journal as git notes.
 */
export const workerService: ServiceDefinition = workerServiceWith(WORKER_ADAPTERS);

/**
 * The worker service with its run loop over `adapters` (the providers of RunWorkspaces,
 * WorkerTools, RunModel, CommandRunner, RunJournal and RunContextSources; see app/ports.ts):
 * tests bind in-memory ones.
 */
export function workerServiceWith(adapters: readonly Provider[]): ServiceDefinition {
  return { name: 'worker', module: workerModuleWith(adapters), collections: [], settings: workerSettings };
}
