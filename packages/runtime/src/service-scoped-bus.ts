import type { Envelope, MessageDef, PayloadOf, ReplyOf } from '@autopilot/contracts';
import type {
  DeadLetter,
  Delivery,
  Handler,
  MessageBus,
  PublishOptions,
  RequestOptions,
  Responder,
  SubscribeOptions,
  Subscription,
} from '@autopilot/bus';
import { runAsService } from '@autopilot/telemetry';
import { handlingMessage } from './envelopes';
import type { DeliveryGate } from './delivery-gate';
import type { InboxGuard } from './inbox-guard';
import { withLogContext, type LogContext } from './logging';

/**
 * The bus one service sees: the shared bus, with every handler and responder run inside
 * `runAsService(name)`, so spans they start carry `autopilot.service` even when six services share
 * a process (and a delivery arrives in the publisher's async context), and inside the message's
 * log context, so every line they log carries its `correlation_id` and `project_id`, and as the
 * handling of that message, so the envelopes they build are caused by it (OutboxEnvelopes). With an
 * inbox guard, a subscribed handler runs only for a message its consumer has not handled yet, and the
 * commit that completes it records it in that consumer's inbox (InboxGuard). With a delivery gate,
 * a delivery whose envelope disagrees with its contract is refused before either (DeliveryGate).
 */
export class ServiceScopedBus implements MessageBus {
  constructor(
    private readonly inner: MessageBus,
    private readonly service: string,
    private readonly inbox?: InboxGuard,
    /** Checks provenance before the inbox or the handler, and announces dead-lettered commands. */
    private readonly gate?: DeliveryGate,
  ) {}

  publish<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<D>>> {
    return this.inner.publish(def, payload, opts);
  }

  publishEnvelope(envelope: Envelope, json?: string): Promise<void> {
    return this.inner.publishEnvelope(envelope, json);
  }

  subscribe<D extends MessageDef>(
    def: D,
    consumer: string,
    handler: Handler<PayloadOf<D>>,
    opts?: SubscribeOptions,
  ): Promise<Subscription> {
    const { inbox } = this;
    const handle = inbox
      ? (d: Delivery<PayloadOf<D>>) => inbox.run(consumer, d.envelope, () => handler(d))
      : handler;
    const { gate } = this;
    return this.inner.subscribe(
      def,
      consumer,
      async (d) => {
        // First: a forged message must reach neither the inbox nor the handler.
        gate?.admit(def, consumer, d);
        return this.handling(d.envelope, () => handle(d), consumer);
      },
      gate ? gate.options(def, opts) : opts,
    );
  }

  request<D extends MessageDef>(def: D, payload: PayloadOf<D>, opts?: RequestOptions): Promise<ReplyOf<D>> {
    return this.inner.request(def, payload, opts);
  }

  serve<D extends MessageDef>(def: D, responder: Responder<PayloadOf<D>, ReplyOf<D>>): Promise<Subscription> {
    return this.inner.serve(def, (payload, envelope) =>
      this.handling(envelope, () => responder(payload, envelope)),
    );
  }

  listDeadLetters(opts?: { consumer?: string; limit?: number }): Promise<DeadLetter[]> {
    return this.inner.listDeadLetters(opts);
  }

  /**
   * Runs a handler or responder as this service, handling `envelope` (logs, spans, outbox
   * envelopes) for `consumer` (the inbox; absent for a responder).
   */
  private handling<T>(envelope: Envelope<unknown>, fn: () => Promise<T>, consumer?: string): Promise<T> {
    return withLogContext(logContextOf(envelope), () =>
      runAsService(this.service, () => handlingMessage(envelope, fn, consumer)),
    );
  }

  /** The runtime owns the shared bus; a service closing it would cut off its neighbours. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function logContextOf(envelope: Envelope<unknown>): LogContext {
  const context: LogContext = {};
  if (envelope.correlationId !== undefined) context.correlation_id = envelope.correlationId;
  if (envelope.projectId !== undefined) context.project_id = envelope.projectId;
  return context;
}
