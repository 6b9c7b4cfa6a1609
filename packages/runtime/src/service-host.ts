import { Module, type DynamicModule, type LoggerService, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { DEFAULT_MAX_MESSAGE_BYTES, MessageBus } from '@autopilot/bus';
import { Clock, IdSource, systemClock, systemTimers, Timers, ulidSource } from '@autopilot/kernel';
import { messageBySubject } from '@autopilot/contracts';
import { BusExceptionFilter, BusServer } from '@autopilot/nest-transport';
import { declareInbox, declareOutbox, DocumentStore } from '@autopilot/store';
import type { Logger } from './logging';
import { HttpRoutes } from './http';
import { PinoNestLogger } from './logging';
import { OutboxRelay } from './outbox-relay';
import { CONFIG_DEFAULTS } from './config';
import { OutboxEnvelopes, outboxEnvelopesFor } from './envelopes';
import { ServiceSettings } from './settings';
import { RelayNudgingStore } from './relay-nudging-store';
import type { ServiceDefinition } from './service-definition';
import { ServiceScopedBus } from './service-scoped-bus';
import type { CommandRefusals } from './command-refusals';
import { DeliveryGate } from './delivery-gate';
import { InboxGuard } from './inbox-guard';

export interface ServiceHostOptions {
  definition: ServiceDefinition;
  bus: MessageBus;
  /** The service's own store, already open; the caller closes it after `close()`. */
  store: DocumentStore;
  routes: HttpRoutes;
  /** Carries `service: <name>`. */
  logger: Logger;
  outboxIntervalMs: number;
  /**
   * Where Nest's own logs go. Nest keeps one logger per process, so the embedded topology passes
   * the process logger here rather than letting the last service started win.
   */
  nestLogger?: LoggerService;
  /**
   * The service's parsed settings (`definition.settings.read`), injected as `ServiceSettings`.
   * Default: the declared defaults, as if no variable were set.
   */
  settings?: unknown;
  /** Injected as `Clock`; default the system clock. */
  clock?: Clock;
  /** Injected as `IdSource`; default ULIDs. */
  ids?: IdSource;
  /** Injected as `Timers`; default Node's (a test passes its FakeClock as both `clock` and `timers`). */
  timers?: Timers;
  /**
   * Start the outbox relay once the service listens (default), or leave it to the caller
   * (`host.relay.start()`): the embedded topology starts every relay only after every service has
   * subscribed, so no event is published before its consumers exist.
   */
  startRelay?: boolean;
  /** How long the relay's stop waits for publishes already sent to settle. Default 5000. */
  relayStopGraceMs?: number;
  /** The largest envelope the bus takes (JSON bytes); larger outbox entries are failed for good. */
  maxEnvelopeBytes?: number;
  /**
   * The largest event or command body a consumer takes (AUTOPILOT_MAX_MESSAGE_BYTES): the service's
   * outbox refuses a larger envelope, failing the commit that appends it (OutboxEnvelopeTooLargeError),
   * instead of publishing what every consumer would dead-letter unread. Default 64 MiB, the buses'.
   */
  maxMessageBytes?: number;
  /**
   * How long the inbox remembers a handled message (OutboxRelayOptions.inboxRetentionMs). Default
   * 30 days (AUTOPILOT_INBOX_RETENTION_MS).
   */
  inboxRetentionMs?: number;
}

/** One service, running: handlers subscribed, outbox relay draining. */
export interface ServiceHost {
  readonly name: string;
  /** The relay for this service's store (tests wait on `idle()`). */
  readonly relay: OutboxRelay;
  /**
   * Stops taking work: the transport drains its subscriptions, in-flight handlers finish and ack,
   * the Nest app closes. The relay keeps publishing until `stopPublishing()`. Idempotent.
   */
  stopConsuming(): Promise<void>;
  /**
   * Stops the relay after a last drain; publishes that do not settle within its grace stay pending
   * for the next start (OutboxRelay.stop). Idempotent.
   */
  stopPublishing(): Promise<void>;
  /**
   * `stopConsuming()` then `stopPublishing()`, so what in-flight handlers commit still goes out: the
   * order for a service on a durable bus. Leaves bus and store open.
   */
  close(): Promise<void>;
}

/** Roots one service's Nest container; the runtime providers are global inside it. */
@Module({})
class ServiceHostModule {}

/** Holds the runtime's providers; global so the service module injects them without importing. */
@Module({})
class RuntimeProvidersModule {}

/**
 * Boots a service: declares the outbox and the service's collections on its store, starts a Nest
 * microservice for its module over `new BusServer(bus)` with `MessageBus`, `DocumentStore`,
 * `HttpRoutes`, `OutboxRelay`, `Clock`, `IdSource`, `Timers` and `OutboxEnvelopes` injectable, then starts the relay. Rejects (nothing left running)
 * when a collection cannot be declared or the module fails to build.
 */
export async function startServiceHost(opts: ServiceHostOptions): Promise<ServiceHost> {
  const { definition, logger } = opts;
  await declareOutbox(opts.store);
  await declareInbox(opts.store);
  for (const spec of definition.collections) await opts.store.ensureCollection(spec);

  // Handlers run as this service, handling their message: logs, spans and outbox envelopes say so,
  // and a message their consumer already handled is acked without running them again.
  // Provenance is checked before anything else runs; dead-lettered commands end their jobs.
  const gate = new DeliveryGate(definition.name, logger, opts.clock ?? systemClock);
  const bus = new ServiceScopedBus(opts.bus, definition.name, new InboxGuard(opts.store, logger), gate);
  const relay = new OutboxRelay({
    store: opts.store,
    bus,
    logger,
    intervalMs: opts.outboxIntervalMs,
    // An entry with no contract, or one that breaks it, is failed for good rather than retried.
    resolveDef: messageBySubject,
    ...(opts.relayStopGraceMs === undefined ? {} : { stopGraceMs: opts.relayStopGraceMs }),
    ...(opts.maxEnvelopeBytes === undefined ? {} : { maxEnvelopeBytes: opts.maxEnvelopeBytes }),
    inboxRetentionMs: opts.inboxRetentionMs ?? CONFIG_DEFAULTS.inboxRetentionMs,
  });
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? ulidSource();
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const providers: Provider[] = [
    { provide: MessageBus, useValue: bus },
    { provide: DocumentStore, useValue: new RelayNudgingStore(opts.store, relay, maxMessageBytes) },
    { provide: HttpRoutes, useValue: opts.routes },
    { provide: OutboxRelay, useValue: relay },
    { provide: Clock, useValue: clock },
    { provide: IdSource, useValue: ids },
    { provide: Timers, useValue: opts.timers ?? systemTimers },
    { provide: OutboxEnvelopes, useValue: outboxEnvelopesFor({ source: definition.name, clock, ids }) },
    {
      provide: ServiceSettings,
      useValue: opts.settings !== undefined ? opts.settings : (definition.settings?.read({}) ?? {}),
    },
  ];
  const root: DynamicModule = {
    module: ServiceHostModule,
    imports: [
      {
        module: RuntimeProvidersModule,
        global: true,
        providers,
        exports: [
          MessageBus,
          DocumentStore,
          HttpRoutes,
          OutboxRelay,
          Clock,
          IdSource,
          Timers,
          OutboxEnvelopes,
          ServiceSettings,
        ],
      },
      definition.module,
    ],
  };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
    strategy: new BusServer(bus, { resolveDef: messageBySubject }),
    logger: opts.nestLogger ?? new PinoNestLogger(logger),
    // Without this Nest calls process.abort() on a DI error; a rejection lets the topology clean up.
    abortOnError: false,
  });
  // Before listen(): keeps handler errors' classes and codes, which the bus branches on.
  app.useGlobalFilters(new BusExceptionFilter());
  const refusals = definition.commandRefusals;
  gate.attach(
    new RelayNudgingStore(opts.store, relay, maxMessageBytes),
    refusals ? app.get<CommandRefusals>(refusals, { strict: false }) : undefined,
  );
  try {
    await app.listen();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  if (opts.startRelay ?? true) relay.start();
  logger.debug('service started');

  let consuming: Promise<void> | undefined;
  const stopConsuming = (): Promise<void> => (consuming ??= app.close());
  const stopPublishing = (): Promise<void> => relay.stop();
  return {
    name: definition.name,
    relay,
    stopConsuming,
    stopPublishing,
    async close() {
      try {
        await stopConsuming();
      } finally {
        await stopPublishing();
      }
    },
  };
}
