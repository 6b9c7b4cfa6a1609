import { Writable } from 'node:stream';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  ProjectUpdatedV1,
  type Envelope,
  type MessageDef,
  type PayloadOf,
  type ProjectUpdatedV1 as Project,
} from '@autopilot/contracts';
import { systemClock, ulidSource, type Clock, type Timers } from '@autopilot/kernel';
import {
  createHttpRoutes,
  createLogger,
  outboxEnvelopesFor,
  startServiceHost,
  type ServiceHost,
} from '@autopilot/runtime';
import type { DocumentStore } from '@autopilot/store';
import type { GovernanceSettings } from '../governance-settings';
import { governanceService } from '../index';

/** The real governance service for handler tests: its module over an in-process bus, on `store`. */
export interface GovernanceHost {
  readonly bus: InProcessMessageBus;
  readonly host: ServiceHost;
  /** Envelopes of the definitions `watch` was given, in the order they arrived. */
  readonly seen: Envelope[];
  /** Publishes `project.updated` as the manager does (its producer: governance checks the source). */
  projectUpdated(project: Project): Promise<void>;
  /** Publishes `data` on `def` with `source` (the contract's producer: `ingestion`, `gateway`, ...). */
  publishAs<D extends MessageDef>(source: string, def: D, data: PayloadOf<D>): Promise<void>;
  /** Stops the service and the bus; the caller owns (and closes) the store. */
  close(): Promise<void>;
}

export async function startGovernanceHost(
  store: DocumentStore,
  watch: readonly MessageDef[],
  opts: { settings?: GovernanceSettings; clock?: Clock; timers?: Timers } = {},
): Promise<GovernanceHost> {
  // Requests through it stand for the worker's: governance checks their source.
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 0, source: 'worker' });
  const seen: Envelope[] = [];
  for (const def of watch) {
    await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
      seen.push(d.envelope as Envelope);
    });
  }
  const host = await startServiceHost({
    definition: governanceService,
    bus,
    store,
    routes: createHttpRoutes(),
    logger: createLogger({
      service: 'governance',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    }),
    outboxIntervalMs: 3_600_000,
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
  });
  const manager = outboxEnvelopesFor({
    source: 'manager',
    clock: opts.clock ?? systemClock,
    ids: ulidSource(),
  });
  return {
    bus,
    host,
    seen,
    projectUpdated: (project) => bus.publishEnvelope(manager.build(ProjectUpdatedV1, project)),
    publishAs: (source, def, data) =>
      bus.publishEnvelope(
        outboxEnvelopesFor({ source, clock: opts.clock ?? systemClock, ids: ulidSource() }).build(def, data),
      ),
    async close() {
      await host.close();
      await bus.close();
    },
  };
}
