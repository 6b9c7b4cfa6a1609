/**
 * @autopilot/bus/testing: the conformance suite every MessageBus adapter passes. Test code only.
 *
 *   messageBusConformance('InProcessMessageBus', async () => new InProcessMessageBus({ redeliveryDelayMs: 0 }));
 */
export { messageBusConformance } from './conformance';
export { ensureOtelContextManager } from './otel-context';
