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
import { handlingMessage } from './envelopes';
import { withLogContext, type LogContext } from './logging';

/**
 * The bus one service sees: the shared bus, with every handler and responder run inside
 * `runAsService(name)`, so spans they start carry `autopilot.service` even when six services share
 * a process (and a delivery arrives in the publisher's async context), and inside the message's
 * log context, so every line they log carries its `correlation_id` and `project_id`, and as the
 * handling of that message, so the envelopes they build are caused by it (OutboxEnvelopes).
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

  subscribe<D extends MessageDef>(
    def: D,
    consumer: string,
    handler: Handler<PayloadOf<D>>,
    opts?: SubscribeOptions,
  ): Promise<Subscription> {
    return this.inner.subscribe(def, consumer, (d) => this.handling(d.envelope, () => handler(d)), opts);
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

  /** Runs a handler or responder as this service, handling `envelope` (logs, spans, outbox envelopes). */
  private handling<T>(envelope: Envelope<unknown>, fn: () => Promise<T>): Promise<T> {
    return withLogContext(logContextOf(envelope), () =>
      runAsService(this.service, () => handlingMessage(envelope, fn)),
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
