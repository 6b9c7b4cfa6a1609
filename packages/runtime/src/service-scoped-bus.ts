import type { Envelope, MessageDef, PayloadOf, ReplyOf } from '@autopilot/contracts';
import type {
  DeadLetter,
  Handler,
  MessageBus,
  PublishOptions,
  RequestOptions,
  Responder,
  SubscribeOptions,
  Subscription,
} from '@autopilot/bus';
import { runAsService } from '@autopilot/telemetry';

/**
 * The bus one service sees: the shared bus, with every handler and responder run inside
 * `runAsService(name)`, so spans they start carry `autopilot.service` even when six services share
 * a process (and a delivery arrives in the publisher's async context).
 */
export class ServiceScopedBus implements MessageBus {
  constructor(
    private readonly inner: MessageBus,
    private readonly service: string,
  ) {}

  publish<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<D>>> {
    return this.inner.publish(def, payload, opts);
  }

  publishEnvelope(envelope: Envelope): Promise<void> {
    return this.inner.publishEnvelope(envelope);
  }

  publishRaw(subject: string, body: string, headers?: Record<string, string>): Promise<void> {
    return this.inner.publishRaw(subject, body, headers);
  }

  subscribe<D extends MessageDef>(
    def: D,
    consumer: string,
    handler: Handler<PayloadOf<D>>,
    opts?: SubscribeOptions,
  ): Promise<Subscription> {
    return this.inner.subscribe(def, consumer, (d) => runAsService(this.service, () => handler(d)), opts);
  }

  request<D extends MessageDef>(def: D, payload: PayloadOf<D>, opts?: RequestOptions): Promise<ReplyOf<D>> {
    return this.inner.request(def, payload, opts);
  }

  serve<D extends MessageDef>(def: D, responder: Responder<PayloadOf<D>, ReplyOf<D>>): Promise<Subscription> {
    return this.inner.serve(def, (payload, envelope) =>
      runAsService(this.service, () => responder(payload, envelope)),
    );
  }

  listDeadLetters(opts?: { consumer?: string; limit?: number }): Promise<DeadLetter[]> {
    return this.inner.listDeadLetters(opts);
  }

  /** The runtime owns the shared bus; a service closing it would cut off its neighbours. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
