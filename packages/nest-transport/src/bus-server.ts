import type { Delivery, MessageBus, SubscribeOptions, Subscription } from '@autopilot/bus';
import { messageBySubject, type Envelope, type MessageDef } from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import { Logger, type LoggerService } from '@nestjs/common';
import {
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
  type MsPattern,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { BusContext } from './bus-context';
import type { BusEventOptions } from './bus-event-options';
import {
  DuplicateConsumerError,
  HandlerFailedError,
  MissingConsumerError,
  PatternKindMismatchError,
  UnknownSubjectError,
} from './errors';

export interface BusServerOptions {
  /**
   * Finds the message definition a pattern names; must know every subject a handler listens on.
   * Default: the contracts registry (`messageBySubject`). Tests with their own definitions pass one.
   */
  resolveDef?: (subject: string) => MessageDef | undefined;
  logger?: LoggerService;
}

/** A handler bound to its definition, checked before anything is subscribed. */
type Route =
  | { kind: 'event'; def: MessageDef; handler: MessageHandler; consumer: string; options: SubscribeOptions }
  | { kind: 'request'; def: MessageDef; handler: MessageHandler };

/**
 * A Nest custom transport over `MessageBus`. `@EventPattern(subject, { consumer })` binds a durable
 * consumer, `@MessagePattern(subject)` serves requests. Handlers run through Nest's pipeline (pipes,
 * guards, interceptors, filters) with the payload and a `BusContext`, and the delivery settles only
 * when the handler's result stream completes: an error stream is rethrown, so the bus redelivers
 * or dead-letters instead of acking a failure. Register `BusExceptionFilter` globally so errors
 * keep their `code`. `close()` drains the subscriptions; the bus itself belongs to the caller.
 */
export class BusServer extends Server implements CustomTransportStrategy {
  protected override readonly logger: LoggerService;
  private readonly resolveDef: (subject: string) => MessageDef | undefined;
  /** Kept apart from Nest's map, which chains same-pattern event handlers into one call. */
  private readonly eventHandlers: { pattern: string; handler: MessageHandler }[] = [];
  private subscriptions: Subscription[] = [];
  private starting: Promise<void> | undefined;
  private warnedOpaqueErrors = false;

  constructor(
    private readonly bus: MessageBus,
    opts: BusServerOptions = {},
  ) {
    super();
    this.resolveDef = opts.resolveDef ?? messageBySubject;
    this.logger = opts.logger ?? new Logger(BusServer.name);
  }

  /** Records a handler; Nest calls this for every decorated method before `listen`. */
  // Nest's signature types the pattern and extras as `any`; they are read as unknown below.
  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    if (!isEventHandler) return super.addHandler(pattern, callback, false, extras);
    callback.isEventHandler = true;
    callback.extras = extras;
    this.eventHandlers.push({ pattern: this.normalizePattern(pattern as MsPattern), handler: callback });
  }

  /**
   * Checks every handler (known subject, right decorator, consumer name), then subscribes them all.
   * Any failure is reported through `callback` (Nest's `app.listen()` rejects) and undoes what was
   * subscribed.
   */
  listen(callback: (err?: unknown) => void): void {
    this.starting ??= this.start();
    this.starting.then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  /** Stops taking messages and waits for in-flight handlers to finish. Does not close the bus. */
  async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.drain();
  }

  /** The bus has no connection events to report through Nest; registering a listener is a no-op. */
  on(): void {}

  /** The `MessageBus` this server consumes from. */
  unwrap<T>(): T {
    return this.bus as T;
  }

  private async start(): Promise<void> {
    const routes = this.routes();
    try {
      for (const route of routes) this.subscriptions.push(await this.bind(route));
    } catch (err) {
      await this.drain();
      throw err;
    }
  }

  private async drain(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subscriptions.map((s) => s.drain()));
  }

  private routes(): Route[] {
    const routes: Route[] = [];
    const consumers = new Set<string>();
    for (const { pattern, handler } of this.eventHandlers) {
      const def = this.defFor(pattern, '@EventPattern');
      const { consumer, ...options } = (handler.extras ?? {}) as Partial<BusEventOptions>;
      if (typeof consumer !== 'string' || consumer === '') throw new MissingConsumerError(def.subject);
      const key = `${def.subject} ${consumer}`;
      if (consumers.has(key)) throw new DuplicateConsumerError(def.subject, consumer);
      consumers.add(key);
      routes.push({ kind: 'event', def, handler, consumer, options });
    }
    for (const [pattern, handler] of this.messageHandlers) {
      routes.push({ kind: 'request', def: this.defFor(pattern, '@MessagePattern'), handler });
    }
    return routes;
  }

  private defFor(pattern: string, decorator: '@EventPattern' | '@MessagePattern'): MessageDef {
    const def = this.resolveDef(pattern);
    if (!def) throw new UnknownSubjectError(pattern);
    if ((def.kind === 'request') !== (decorator === '@MessagePattern')) {
      throw new PatternKindMismatchError(def.subject, def.kind, decorator);
    }
    return def;
  }

  private bind(route: Route): Promise<Subscription> {
    const { def, handler } = route;
    if (route.kind === 'request') {
      return this.bus.serve(def, (payload: unknown, envelope: Envelope<unknown>) =>
        this.invoke(handler, payload, BusContext.forRequest(def.subject, envelope)),
      );
    }
    return this.bus.subscribe(
      def,
      route.consumer,
      async (delivery: Delivery<unknown>) => {
        const ctx = BusContext.forDelivery(def.subject, delivery);
        try {
          await this.invoke(handler, delivery.payload, ctx);
        } catch (err) {
          this.logger.warn(
            `${route.consumer} failed on ${ctx.messageId()} (delivery ${ctx.deliveryCount()}, ` +
              `correlation ${ctx.correlationId() ?? '-'}): ${describeError(err)}`,
          );
          throw err;
        }
      },
      route.options,
    );
  }

  /**
   * Calls the handler through Nest's pipeline and waits for its result stream. Nest's exception
   * filters turn a throw into an error stream rather than a rejection, so awaiting only the call
   * would ack failures; the stream's last value is the reply.
   */
  private async invoke(handler: MessageHandler, payload: unknown, ctx: BusContext): Promise<unknown> {
    try {
      const result: unknown = await handler(payload, ctx);
      return isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result;
    } catch (err) {
      if (err instanceof Error) throw err;
      if (!this.warnedOpaqueErrors) {
        this.warnedOpaqueErrors = true;
        this.logger.warn(
          'a handler failed with a non-Error value; register BusExceptionFilter globally so errors keep their code',
        );
      }
      throw new HandlerFailedError(ctx.subject(), err);
    }
  }
}
