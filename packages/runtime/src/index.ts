/**
 * @autopilot/runtime: what runs services, domain-free: config from the environment, JSON logs,
 * the health/ready HTTP server with a route registry, the outbox relay, the Nest service host,
 * graceful shutdown, and the two topologies (all services in one process; one service on NATS).
 * Services import only `ServiceDefinition` and the injectable `HttpRoutes`/`OutboxRelay` from here.
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
export * from './topology';
