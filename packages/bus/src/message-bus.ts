import type {
  DeadLetter as DeadLetterContract,
  Envelope,
  MessageDef,
  PayloadOf,
  ReplyOf,
} from '@autopilot/contracts';

/** One delivery of one message to one durable consumer. At-least-once. */
export interface Delivery<P> {
  /** Envelope id; a second publish with the same id is dropped by the bus. */
  readonly id: string;
  /** Already validated against the subscribed definition. */
  readonly payload: P;
  readonly envelope: Envelope<P>;
  /**
   * The subject the message arrived on, as the transport says (not the envelope's own `subject`
   * field, which is whatever its producer wrote): consumers compare the two (provenance checks).
   */
  readonly subject: string;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  /** The transport headers it was published with, without the bus's own `Nats-*` ones. */
  readonly headers: Readonly<Record<string, string>>;
  /** Tells the bus the handler is still working, pushing back redelivery (JetStream `working()`). */
  working(): void;
}

/**
 * Resolve = ack. Throw `NonRetryableError` or `ContractViolationError` = terminate and dead-letter.
 * Throw `RetryLaterError` = redeliver after its delay. Throw anything else = redeliver with the
 * consumer's backoff; past `maxDeliveries` the message is dead-lettered with the last error.
 */
export type Handler<P> = (delivery: Delivery<P>) => Promise<void>;

/** Answers a request; the resolved value is validated against the definition's reply schema. */
export type Responder<P, R> = (payload: P, envelope: Envelope<P>) => Promise<R>;

export interface PublishOptions {
  /** The envelope id; defaults to a new ULID. Publishing the same id twice delivers once. */
  id?: string;
  projectId?: string;
  correlationId?: string;
  causationId?: string;
  /** Extra transport headers (trace context is added by the bus). */
  headers?: Record<string, string>;
}

export interface SubscribeOptions {
  /**
   * Deliveries before the message is dead-lettered. Default 5. Counted by the bus, not the server: a
   * delivery past it (the earlier ones ended without a verdict: the process died, or their dead
   * letter could not be written) is dead-lettered on receipt without reaching the handler.
   */
  maxDeliveries?: number;
  /** Redelivery delays by attempt (the last repeats). Default [1000, 5000, 15000, 30000]. */
  backoffMs?: readonly number[];
  /** How long a delivery may go without ack or `working()` before it is redelivered. Default 30000. */
  ackWaitMs?: number;
  /** Deliveries handled at once by this subscriber. Default 1. */
  concurrency?: number;
  /**
   * Deliveries fetched ahead of the handlers (the JetStream pull batch; no effect in memory). Fetched
   * deliveries count against `ackWaitMs` before a handler sees them and get no heartbeat while they
   * wait: raise it only for handlers much faster than `ackWaitMs / prefetch`, or messages that never
   * failed are redelivered. Default `concurrency` (also what replicas sharing a work queue need).
   */
  prefetch?: number;
  /**
   * Hears of every dead letter this subscription records, once it is recorded (the message is
   * terminated by then): how a service announces the end of a job whose command it could not
   * handle. A rejection is logged, never retried.
   */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
}

export interface RequestOptions extends Omit<PublishOptions, 'id'> {
  /** Default 5000. Past it the call rejects with RequestTimeoutError. */
  timeoutMs?: number;
}

/**
 * A message that could not be handled, with why: kept on the dead-letter stream (AP_DLQ). The shape
 * is the contract `DeadLetter` of `@autopilot/contracts` (what integrations read on `ap.dlq.*`).
 * When the message is too large to travel inline (JetStream: claim-checked, or a letter past the
 * server's `max_payload`), `message` holds the envelope's head without `data` plus
 * `claimCheck: { bucket, name, bytes }`: the whole body is that object in the payload store.
 */
export type DeadLetter = DeadLetterContract;

export interface Subscription {
  /**
   * Stops taking new deliveries, waits for in-flight handlers to settle. The durable consumer stays.
   * Concurrent and repeated calls (and `close()`) share one drain.
   */
  drain(): Promise<void>;
}

/** A change of a bus's connection to its server. */
export interface BusConnectionChange {
  readonly type: 'disconnected' | 'reconnected';
  /** The server, as the client names it: it may hold credentials, so mask it before logging. */
  readonly server: string;
}

export interface MessageBus {
  /** Validates, wraps in an envelope and publishes. Throws ContractViolationError on a bad payload. */
  publish<D extends MessageDef>(
    def: D,
    payload: PayloadOf<D>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<D>>>;
  /**
   * Publishes an envelope built earlier (the outbox relay). De-duplicated by `envelope.id`. `json`,
   * when the caller has it, is the envelope's JSON (`JSON.stringify(envelope)`, as the outbox stored
   * it): sent as it is instead of serialising the envelope again.
   */
  publishEnvelope(envelope: Envelope, json?: string): Promise<void>;
  /**
   * Binds a durable consumer. Events: every distinct `consumer` sees each event once, subscribers
   * sharing a `consumer` name share the deliveries. Commands: a work queue, one consumer per subject.
   * Invalid envelopes, unknown types and wrong versions are dead-lettered, never handed over.
   * Throws WrongMessageKindError for a request, BusUnavailableError once `close()` started.
   */
  subscribe<D extends MessageDef>(
    def: D,
    consumer: string,
    handler: Handler<PayloadOf<D>>,
    opts?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Sends a request and waits for its reply. Rejects with RequestTimeoutError, NoRespondersError or RemoteError. */
  request<D extends MessageDef>(def: D, payload: PayloadOf<D>, opts?: RequestOptions): Promise<ReplyOf<D>>;
  /**
   * Answers requests for `def`; responders sharing a definition share the load. Throws
   * WrongMessageKindError for an event or command, BusUnavailableError once `close()` started.
   */
  serve<D extends MessageDef>(def: D, responder: Responder<PayloadOf<D>, ReplyOf<D>>): Promise<Subscription>;
  /**
   * Changes of the connection, on a bus that has one (JetStream: the client reconnects by itself);
   * the iteration ends when the bus closes. Absent on a bus with no connection to lose (in memory).
   */
  connectionChanges?(): AsyncIterable<BusConnectionChange>;
  /** Dead letters recorded so far, oldest first (in memory: the newest 10000 by default). */
  listDeadLetters(opts?: { consumer?: string; limit?: number }): Promise<DeadLetter[]>;
  /**
   * Drains every subscription, then releases the connection. Rejects with BusUnavailableError when
   * the connection could not be drained (it is closed anyway). Calls after the first share its promise.
   */
  close(): Promise<void>;
}
export const MessageBus = Symbol('MessageBus');
