/**
 * @autopilot/bus: the MessageBus port and its two adapters (in memory, NATS JetStream). Services
 * depend on the port only; a composition root picks the adapter. Never import `@nats-io/*` from a
 * service: go through this port. Tests use `@autopilot/bus/testing` for the conformance suite.
 *
 *   const bus = await connectJetStreamBus({ servers: process.env.NATS_URL!, source: 'manager' });
 *   await bus.subscribe(RunFinishedV1, 'manager-run-finished', async (d) => finishRun(d.payload));
 *   await bus.publish(RunFinishedV1, payload, { correlationId: runId });
 */
export * from './message-bus';
export * from './errors';
export type { BusLog } from './log';
export {
  InProcessMessageBus,
  type InProcessMessageBusOptions,
  type InProcessSettle,
} from './in-process/in-process-message-bus';
export {
  connectJetStreamBus,
  JetStreamMessageBus,
  type JetStreamBusOptions,
} from './jetstream/jetstream-message-bus';
export { STREAMS } from './jetstream/provisioning';
