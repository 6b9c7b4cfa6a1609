import { Writable } from 'node:stream';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { buildEnvelope, type Envelope, type MessageDef, type PayloadOf } from '@autopilot/contracts';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import type { DocumentStore } from '@autopilot/store';
import { FakeClock } from '@autopilot/testing';
import { managerService } from '../index';
import { DEFAULT_MANAGER_SETTINGS, type ManagerSettings } from '../manager-settings';

/** The real manager service for handler tests: its module over an in-process bus, on `store`, on a FakeClock. */
export interface ManagerHost {
  readonly bus: InProcessMessageBus;
  readonly host: ServiceHost;
  /** Both the service's Clock and its Timers: the tick's timer runs only when a test advances it. */
  readonly clock: FakeClock;
  /** Envelopes of the definitions `watch` was given, in the order they arrived. */
  readonly seen: Envelope[];
  /** What the bus logged (a dead letter's warning among them), instead of printing it. */
  readonly busLines: { level: string; msg: string; fields?: Record<string, unknown> }[];
  /**
   * Publishes `data` as its contract's producer would (the delivery-provenance check refuses any
   * other source): `tasks.generated` from the planner, manager commands from the gateway.
   */
  send<D extends MessageDef>(
    def: D,
    data: PayloadOf<D>,
    opts?: { id?: string; correlationId?: string },
  ): Promise<Envelope<PayloadOf<D>>>;
  /** Stops the service and the bus; the caller owns (and closes) the store. */
  close(): Promise<void>;
}

export async function startManagerHost(
  store: DocumentStore,
  watch: readonly MessageDef[],
  opts: { settings?: Partial<ManagerSettings>; duplicateWindowMs?: number } = {},
): Promise<ManagerHost> {
  const busLines: ManagerHost['busLines'] = [];
  const bus = new InProcessMessageBus({
    redeliveryDelayMs: 0,
    source: 'test',
    log: (level, msg, fields) => busLines.push({ level, msg, ...(fields ? { fields } : {}) }),
    ...(opts.duplicateWindowMs !== undefined ? { duplicateWindowMs: opts.duplicateWindowMs } : {}),
  });
  const clock = new FakeClock(Date.parse('2026-03-02T10:00:00.000Z'));
  const seen: Envelope[] = [];
  for (const def of watch) {
    await bus.subscribe(def, `observer-${def.type.replace(/\./g, '-')}`, async (d) => {
      seen.push(d.envelope as Envelope);
    });
  }
  const settings: ManagerSettings = { ...DEFAULT_MANAGER_SETTINGS, ...opts.settings };
  const host = await startServiceHost({
    definition: managerService,
    bus,
    store,
    routes: createHttpRoutes(),
    logger: createLogger({
      service: 'manager',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    }),
    outboxIntervalMs: 3_600_000,
    settings,
    clock,
    timers: clock,
  });
  let n = 0;
  return {
    bus,
    host,
    clock,
    seen,
    busLines,
    async send(def, data, sendOpts = {}) {
      const envelope = buildEnvelope(def, data, {
        id: sendOpts.id ?? `sent-${++n}`,
        time: clock.isoNow(),
        source: def.producer,
        ...(sendOpts.correlationId !== undefined ? { correlationId: sendOpts.correlationId } : {}),
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
