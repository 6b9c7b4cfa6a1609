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
export * from './config';
export * from './envelopes';
export * from './logging';
export * from './http';
export * from './outbox-relay';
export * from './relay-nudging-store';
export * from './service-definition';
export * from './settings';
export * from './service-host';
export * from './service-scoped-bus';
export * from './shutdown';
