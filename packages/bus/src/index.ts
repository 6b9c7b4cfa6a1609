/**
 * @autopilot/bus: the MessageBus port and its errors. Services depend on the port only; a
 * composition root picks an adapter from its own entry point (`@autopilot/bus/in-process`,
 * `@autopilot/bus/jetstream`), so importing the port loads no NATS client. Never import
 * `@nats-io/*` from a service. Tests use `@autopilot/bus/testing` for the conformance suite.
 *
 *   const bus = await connectJetStreamBus({ servers: process.env.NATS_URL!, source: 'manager' });
 *   await bus.subscribe(RunFinishedV1, 'manager-run-finished', async (d) => finishRun(d.payload));
 *   await bus.publish(RunFinishedV1, payload, { correlationId: runId });
 */
export * from './message-bus';
export * from './errors';
export { DEFAULT_MAX_MESSAGE_BYTES } from './message-size';
export type { BusLog } from './log';
