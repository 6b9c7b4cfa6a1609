/**
 * @autopilot/bus/in-process: the MessageBus in memory (the embedded topology and tests). Imported
 * by composition roots and tests only; services depend on the port (`@autopilot/bus`).
 *
 *   const bus = new InProcessMessageBus({ source: 'autopilot', settle: 'on-consume' });
 */
export {
  InProcessMessageBus,
  type InProcessMessageBusOptions,
  type InProcessSettle,
} from './in-process-message-bus';
