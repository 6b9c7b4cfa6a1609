import { Writable } from 'node:stream';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import type { Envelope, MessageDef } from '@autopilot/contracts';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import type { DocumentStore } from '@autopilot/store';
import { plannerService } from '../index';

/** The real planner service for handler tests: its module over an in-process bus, on `store`. */
export interface PlannerHost {
  readonly bus: InProcessMessageBus;
  readonly host: ServiceHost;
  /** Envelopes of the definitions `watch` was given, in the order they arrived. */
  readonly seen: Envelope[];
  /** Stops the service and the bus; the caller owns (and closes) the store. */
  close(): Promise<void>;
}

export async function startPlannerHost(
  store: DocumentStore,
  watch: readonly MessageDef[],
  opts: {
    /** The bus's duplicate window; 0 keeps a re-published envelope, as JetStream does once it passed. */
    duplicateWindowMs?: number;
  } = {},
): Promise<PlannerHost> {
  // What tests publish through it stands for ingestion's events: the planner checks their source.
  const bus = new InProcessMessageBus({ redeliveryDelayMs: 0, source: 'ingestion', ...opts });
  const seen: Envelope[] = [];
  for (const def of watch) {
    await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
      seen.push(d.envelope as Envelope);
    });
  }
  const host = await startServiceHost({
    definition: plannerService,
    bus,
    store,
    routes: createHttpRoutes(),
    logger: createLogger({
      service: 'planner',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    }),
    // Tests nudge the relay through commits; the timer would only add noise.
    outboxIntervalMs: 3_600_000,
  });
  return {
    bus,
    host,
    seen,
    async close() {
      await host.close();
      await bus.close();
    },
  };
}
