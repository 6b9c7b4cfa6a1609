import type { SubscribeOptions } from '@autopilot/bus';

/**
 * The extras of an `@EventPattern` served by `BusServer`:
 * `@EventPattern(RunFinishedV1.subject, { consumer: 'manager-run-finished', maxDeliveries: 3 })`.
 * Everything but `consumer` is passed to `MessageBus.subscribe` as its options.
 */
export interface BusEventOptions extends SubscribeOptions {
  /** The durable consumer, `<service>-<message>` (no dots: NATS durable names refuse them). Required. */
  consumer: string;
}
