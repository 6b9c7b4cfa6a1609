import type { Delivery } from '@autopilot/bus';
import type { Envelope } from '@autopilot/contracts';
import { BaseRpcContext } from '@nestjs/microservices';

/** What a handler may know about the message it is handling; never the transport's raw message. */
export interface BusMessageInfo {
  readonly subject: string;
  readonly envelope: Envelope;
  readonly deliveryCount: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly working: () => void;
}

/**
 * The `@Ctx()` of a handler served by `BusServer`, with named getters only (like Nest's
 * `NatsContext`). Requests have a delivery count of 1, no transport headers but `traceparent`, and
 * a `working()` that does nothing.
 */
export class BusContext extends BaseRpcContext<[BusMessageInfo]> {
  /** The context of one delivery to a durable consumer. */
  static forDelivery(subject: string, delivery: Delivery<unknown>): BusContext {
    return new BusContext([
      {
        subject,
        envelope: delivery.envelope,
        deliveryCount: delivery.deliveryCount,
        headers: delivery.headers,
        working: () => delivery.working(),
      },
    ]);
  }

  /** The context of one request a responder answers. */
  static forRequest(subject: string, envelope: Envelope): BusContext {
    const headers: Record<string, string> = envelope.traceparent ? { traceparent: envelope.traceparent } : {};
    return new BusContext([{ subject, envelope, deliveryCount: 1, headers, working: () => undefined }]);
  }

  private get info(): BusMessageInfo {
    return this.args[0];
  }
  /** The subject the message arrived on. */
  subject(): string {
    return this.info.subject;
  }
  /** The envelope id: the key for an idempotency inbox. */
  messageId(): string {
    return this.info.envelope.id;
  }
  /** 1 on first delivery; more after a failure or a lost ack. */
  deliveryCount(): number {
    return this.info.deliveryCount;
  }
  /** Transport headers (trace context among them). */
  headers(): Readonly<Record<string, string>> {
    return this.info.headers;
  }
  /** The run or job the message belongs to, if the producer set one. */
  correlationId(): string | undefined {
    return this.info.envelope.correlationId;
  }
  /** The project the message acts for, if the producer set one. */
  projectId(): string | undefined {
    return this.info.envelope.projectId;
  }
  /** The whole envelope as received; its `data` is the validated payload. */
  envelope(): Envelope {
    return this.info.envelope;
  }
  /** Tells the bus this long handler is still working, pushing back redelivery. */
  working(): void {
    this.info.working();
  }
}
