import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { MessageBus } from '@autopilot/bus';
import { Clock, IdSource, Timers } from '@autopilot/kernel';
import { ModelClient, ModelRouter, tiktokenCounter } from '@autopilot/model-client';
import { GovernanceBudgetAdmission } from '@autopilot/model-client/governance';
import { ServiceSettings } from '@autopilot/runtime';
import { GitRunWorkspaces } from './adapters/git-run-workspaces';
import { ModelClientRunModel } from './adapters/model-client-run-model';
import { ScopeContextSources } from './adapters/scope-context-sources';
import { UnconfiguredRunModel } from './adapters/unconfigured-run-model';
import { WorktreeToolsAdapter } from './adapters/worktree-tools-adapter';
import {
  CommandRunner,
  RunContextSources,
  RunJournal,
  RunModel,
  RunWorkspaces as RunWorkspacesPort,
  WorkerLog,
  WorkerTools,
} from './app/ports';
import { SandboxedCommandRunner } from './sandbox';
import { RunWorkspaces } from './workspace';
import type { WorkerSettings } from './worker-settings';

/**
 * The worker's composition: each port of the run loop bound to its adapter, built from the
 * worker's settings and the runtime's parts. The one place that knows which adapter serves which
 * port; tests bind the fakes of ./testing instead.
 */
export const WORKER_ADAPTERS: readonly Provider[] = [
  {
    provide: CommandRunner,
    useFactory: (settings: WorkerSettings): CommandRunner =>
      new SandboxedCommandRunner({
        bwrap: settings.sandbox,
        outputCapBytes: settings.commandOutputCapBytes,
        // Other runs' worktrees are not this run's business.
        hiddenDirs: [join(cacheDirOf(settings), 'worktrees')],
      }),
    inject: [ServiceSettings],
  },
  {
    provide: WorkerTools,
    useFactory: (runner: CommandRunner, settings: WorkerSettings): WorkerTools =>
      new WorktreeToolsAdapter(runner, { commandOutputCapBytes: settings.commandOutputCapBytes }),
    inject: [CommandRunner, ServiceSettings],
  },
  {
    provide: GitRunWorkspaces,
    useFactory: (settings: WorkerSettings, log: WorkerLog): GitRunWorkspaces =>
      new GitRunWorkspaces(
        new RunWorkspaces({ cacheDir: cacheDirOf(settings) }),
        log,
        settings.bootstrapFiles,
      ),
    inject: [ServiceSettings, WorkerLog],
  },
  { provide: RunWorkspacesPort, useExisting: GitRunWorkspaces },
  { provide: RunJournal, useExisting: GitRunWorkspaces },
  {
    provide: RunModel,
    useFactory: (
      settings: WorkerSettings,
      bus: MessageBus,
      timers: Timers,
      clock: Clock,
      ids: IdSource,
    ): RunModel => {
      const model = settings.model;
      if (!model) return new UnconfiguredRunModel(tiktokenCounter);
      const router = new ModelRouter(model.routing);
      const client = new ModelClient({
        provider: {
          ...(model.baseURL !== undefined ? { baseURL: model.baseURL } : {}),
          ...(model.apiKey !== undefined ? { apiKey: model.apiKey } : {}),
          timeoutMs: model.timeoutMs,
        },
        router,
        priceTable: settings.priceTable,
        admission: new GovernanceBudgetAdmission(bus),
        timers,
        clock,
        ids,
      });
      return new ModelClientRunModel(client, router, tiktokenCounter);
    },
    inject: [ServiceSettings, MessageBus, Timers, Clock, IdSource],
  },
  { provide: RunContextSources, useValue: new ScopeContextSources() },
];

/** The replica's cache: configured, or one of its own under the OS temp dir (two replicas never share one). */
function cacheDirOf(settings: WorkerSettings): string {
  return (
    settings.cacheDir ??
    join(
      tmpdir(),
      'autopilot-worker',
      (settings.workerId ?? `${hostname()}-${process.pid}`).replace(/[^\w.-]/g, '_'),
    )
  );
}
