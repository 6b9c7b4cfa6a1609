/**
 * @autopilot/runtime: what runs services, domain-free: config from the environment, declared
 * service settings, the outbox envelope builder, JSON logs, the health/ready HTTP server with a
 * route registry, the outbox relay, the Nest service host and graceful shutdown. Services import
 * `ServiceDefinition`, settings, `OutboxEnvelopes` and the injectable `HttpRoutes`/`OutboxRelay`.
 * The two topologies (all services in one process; one service on NATS) pick the bus and store
 * adapters, so they live at `@autopilot/runtime/topology`, which only the CLI and tests import.
 *
 *   const config = loadConfig();
 *   const running = await startEmbedded({ services, dir: config.dir, port: 4000, host: config.host, ... });
 *   installShutdown({ logger, timeoutMs: config.shutdownTimeoutMs, stop: () => running.stop() });
 */
// What the CLI (a composition root) needs to read configuration, log and stop gracefully.
export {
  loadConfig,
  readMaxMessageBytes,
  parsePort,
  configSummary,
  maskUrl,
  RUNTIME_SETTING_NAMES,
  LOG_LEVELS,
  type LogLevel,
  type RuntimeConfig,
} from './config';
export { createLogger, busLogFor, type Logger } from './logging';
export { installShutdown } from './shutdown';
// What a service declares and injects.
export type { ServiceDefinition } from './service-definition';
export {
  defineSettings,
  setting,
  readServiceSettings,
  ServiceSettings,
  type Setting,
  type ServiceSettingsSpec,
  type SettingsByService,
} from './settings';
export { OutboxEnvelopes, outboxEnvelopesFor, type EnvelopeRouting } from './envelopes';
// A service whose commands start jobs ends the job of a dead-lettered command (DeliveryGate).
export type { CommandRefusals, RefusedCommand } from './command-refusals';
export { ProvenanceRefusedError, type ProvenanceCode } from './delivery-provenance';
// Repositories record the message being handled in the commit that completes it (the inbox).
export { recordHandledMessage } from './inbox-guard';
export { HttpRoutes, createHttpRoutes } from './http';
export { OutboxRelay } from './outbox-relay';
// Hosting one service, for service tests: the same host the topologies use.
export { startServiceHost, type ServiceHost, type ServiceHostOptions } from './service-host';
// Tests run a use case as the handling of a message, as the service-scoped bus does.
export { handlingMessage } from './envelopes';
export { RelayNudgingStore } from './relay-nudging-store';
