/**
 * @autopilot/bus/jetstream: the MessageBus over NATS JetStream. Importing it loads the NATS client:
 * composition roots (the runtime's service topology) and tests only.
 *
 *   const bus = await connectJetStreamBus({ servers: 'nats://127.0.0.1:4222', source: 'manager' });
 */
export { connectJetStreamBus, JetStreamMessageBus, type JetStreamBusOptions } from './jetstream-message-bus';
export { STREAMS } from './provisioning';
export { NatsCredentialsError, type NatsCredentials, type NatsTls } from './nats-auth';
