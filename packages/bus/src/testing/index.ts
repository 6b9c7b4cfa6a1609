/**
 * @autopilot/bus/testing: the conformance suite every MessageBus adapter passes. Test code only.
 *
 *   messageBusConformance('InProcessMessageBus', async ({ log }) => new InProcessMessageBus({ log }));
 */
export {
  messageBusConformance,
  CONFORMANCE_MAX_MESSAGE_BYTES,
  type ConformanceBusOptions,
  type ConformingBus,
  type RawPublisher,
} from './conformance';
export { ensureOtelContextManager } from './otel-context';
