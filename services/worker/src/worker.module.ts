import { hostname } from 'node:os';
import { Logger, Module, type Provider, type Type } from '@nestjs/common';
import { GovernanceEvaluateV1 } from '@autopilot/contracts';
import { MessageBus } from '@autopilot/bus';
import { Clock } from '@autopilot/kernel';
import { recordHandledMessage, ServiceSettings } from '@autopilot/runtime';
import { appendToOutbox, DocumentStore } from '@autopilot/store';
import { recordStepSpans } from './adapters/step-spans';
import { ExecuteRunUseCase } from './app/execute-run.use-case';
import { RunGovernance, RunReports, WorkerIdentity, WorkerLog } from './app/ports';
import { ExecuteRunHandler } from './handlers/execute-run.handler';
import type { WorkerSettings } from './worker-settings';

/** How long the run loop waits for governance's decision on one action. */
const GOVERNANCE_TIMEOUT_MS = 10_000;

/** The worker's log lines go through Nest's logger, which the runtime routes into JSON logs. */
function nestWorkerLog(): WorkerLog {
  const logger = new Logger('worker');
  return {
    info: (message, fields) => logger.log({ msg: message, ...fields }),
    warn: (message, fields) => logger.warn({ msg: message, ...fields }),
  };
}

/**
 * The providers the worker builds from the runtime's own: reports through the outbox (the relay
 * publishes them; the run's last report records the command in the inbox in the same
 * transaction), governance over request/reply, the log and this replica's name.
 */
const RUNTIME_BACKED: Provider[] = [
  {
    provide: RunReports,
    useFactory: (store: DocumentStore, clock: Clock): RunReports => ({
      send: async (events, opts) => {
        await store.transaction(async (tx) => {
          await appendToOutbox(tx, events, clock);
          if (opts?.completesHandling) await recordHandledMessage(tx, clock);
        });
        recordStepSpans(events);
      },
    }),
    inject: [DocumentStore, Clock],
  },
  {
    provide: RunGovernance,
    useFactory: (bus: MessageBus): RunGovernance => ({
      evaluate: (request) => bus.request(GovernanceEvaluateV1, request, { timeoutMs: GOVERNANCE_TIMEOUT_MS }),
    }),
    inject: [MessageBus],
  },
  { provide: WorkerLog, useFactory: nestWorkerLog },
  {
    provide: WorkerIdentity,
    useFactory: (settings: WorkerSettings): WorkerIdentity => ({
      workerId: settings.workerId ?? `${hostname()}-${process.pid}`.slice(0, 128),
    }),
    inject: [ServiceSettings],
  },
];

/**
 * The worker's Nest module with its run loop: the `worker.execute_run` consumer and the use case,
 * over `adapters`, which bind the ports built on the worker's other parts: RunWorkspaces
 * (workspace/), WorkerTools (tools/), RunModel (packages/model-client), CommandRunner (sandbox/),
 * RunJournal and RunContextSources. Tests bind the fakes of ./testing.
 */
export function workerModuleWith(adapters: readonly Provider[]): Type<unknown> {
  @Module({
    controllers: [ExecuteRunHandler],
    providers: [ExecuteRunUseCase, ...RUNTIME_BACKED, ...adapters],
  })
  class WorkerRunModule {}
  return WorkerRunModule;
}
