import { Writable } from 'node:stream';
import type { Provider } from '@nestjs/common';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  buildEnvelope,
  GovernanceEvaluateV1,
  type Envelope,
  type GovernanceEvaluateV1Reply,
  type MessageDef,
  type PayloadOf,
} from '@autopilot/contracts';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import type { DocumentStore } from '@autopilot/store';
import type { FakeClock } from '@autopilot/testing';
import {
  CommandRunner,
  RunContextSources,
  RunJournal,
  RunModel,
  RunWorkspaces,
  WorkerTools,
  type RunModel as RunModelPort,
} from '../app/ports';
import { workerServiceWith } from '../index';
import { DEFAULT_WORKER_SETTINGS, type WorkerSettings } from '../worker-settings';
import { FixedContextSources } from './fake-run-ports';
import { runLoopFixture, type RunLoopFixture } from './worker-fixture';

/** The worker service over fakes of its adapters, hosted like the real one on an in-process bus. */
export interface WorkerHost {
  readonly bus: InProcessMessageBus;
  readonly host: ServiceHost;
  readonly clock: FakeClock;
  /** The fakes the module's adapters are bound to. */
  readonly fakes: RunLoopFixture;
  /** Envelopes of the definitions `watch` was given, in the order they arrived. */
  readonly seen: Envelope[];
  /** Every governance.evaluate the worker asked, over the bus. */
  readonly asked: PayloadOf<typeof GovernanceEvaluateV1>[];
  /** Publishes `data` as its contract's producer would (`worker.execute_run` from the manager). */
  send<D extends MessageDef>(
    def: D,
    data: PayloadOf<D>,
    opts?: { id?: string },
  ): Promise<Envelope<PayloadOf<D>>>;
  close(): Promise<void>;
}

export async function startWorkerHost(
  store: DocumentStore,
  watch: readonly MessageDef[],
  opts: {
    model: RunModelPort;
    settings?: Partial<WorkerSettings>;
    govern?: (request: PayloadOf<typeof GovernanceEvaluateV1>) => Partial<GovernanceEvaluateV1Reply>;
  },
): Promise<WorkerHost> {
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 0, source: 'test', log: () => undefined });
  const fakes = runLoopFixture({ model: opts.model });
  const { clock } = fakes;
  const seen: Envelope[] = [];
  for (const def of watch) {
    await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
      seen.push(d.envelope as Envelope);
    });
  }
  const asked: PayloadOf<typeof GovernanceEvaluateV1>[] = [];
  // Governance answers over request/reply, as the real service does: the module's adapter is exercised.
  await bus.serve(GovernanceEvaluateV1, async (request): Promise<GovernanceEvaluateV1Reply> => {
    asked.push(request);
    return { decision: 'allow', reasons: [], ruleIds: [], ...opts.govern?.(request) };
  });
  const adapters: Provider[] = [
    { provide: RunWorkspaces, useValue: fakes.workspaces },
    { provide: WorkerTools, useValue: fakes.tools },
    { provide: RunModel, useValue: opts.model },
    { provide: CommandRunner, useValue: fakes.commands },
    { provide: RunJournal, useValue: fakes.journal },
    { provide: RunContextSources, useValue: new FixedContextSources() },
  ];
  const host = await startServiceHost({
    definition: workerServiceWith(adapters),
    bus,
    store,
    routes: createHttpRoutes(),
    logger: createLogger({
      service: 'worker',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    }),
    outboxIntervalMs: 3_600_000,
    settings: { ...DEFAULT_WORKER_SETTINGS, workerId: 'host-worker', ...opts.settings },
    clock,
    timers: clock,
  });
  let n = 0;
  return {
    bus,
    host,
    clock,
    fakes,
    seen,
    asked,
    async send(def, data, sendOpts = {}) {
      const envelope = buildEnvelope(def, data, {
        id: sendOpts.id ?? `sent-${++n}`,
        time: clock.isoNow(),
        source: def.producer,
        ...(typeof (data as { projectId?: unknown }).projectId === 'string'
          ? { projectId: (data as { projectId: string }).projectId }
          : {}),
      });
      await bus.publishEnvelope(envelope);
      return envelope;
    },
    async close() {
      await host.close();
      await bus.close();
    },
  };
}
