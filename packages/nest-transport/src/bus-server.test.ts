import 'reflect-metadata';
import { RemoteError } from '@autopilot/bus';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import { RunFinishedV1, defineMessage, type MessageDef, type PayloadOf } from '@autopilot/contracts';
import { AutopilotError, NonRetryableError } from '@autopilot/kernel';
import { eventually } from '@autopilot/testing';
import { Controller, Injectable, Module, type PipeTransform, type Type as NestType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { of, throwError, type Observable } from 'rxjs';
import {
  BusContext,
  BusExceptionFilter,
  BusServer,
  DuplicateConsumerError,
  MissingConsumerError,
  PatternKindMismatchError,
  UnknownSubjectError,
  type BusEventOptions,
} from './index';

const event = (name: string) =>
  defineMessage({
    kind: 'event',
    aggregate: 'transport_test',
    name,
    version: 1,
    producer: 'external',
    consumers: ['manager'],
    summary: 'A message for the BusServer tests.',
    data: Type.Object({ n: Type.Number(), fail: Type.Optional(Type.String()) }),
  });
const PingedV1 = event('pinged');
const StreamedV1 = event('streamed');
const SlowedV1 = event('slowed');
const EchoV1 = defineMessage({
  kind: 'request',
  service: 'manager',
  name: 'transport_test_echo',
  version: 1,
  producer: 'external',
  consumers: ['manager'],
  summary: 'A request for the BusServer tests.',
  data: Type.Object({ text: Type.String() }),
  reply: Type.Object({ echoed: Type.String() }),
});
type Ping = PayloadOf<typeof PingedV1>;

const defs = new Map<string, MessageDef>([PingedV1, StreamedV1, SlowedV1, EchoV1].map((d) => [d.subject, d]));
const resolveDef = (subject: string) => defs.get(subject);

class EchoRefusedError extends AutopilotError {
  readonly code = 'TEST_ECHO_REFUSED';
}

/** What the handlers saw, shared with the test through Nest's container. */
@Injectable()
class Seen {
  readonly calls: {
    consumer: string;
    n: number;
    deliveryCount: number;
    correlationId?: string;
    messageId: string;
  }[] = [];
  readonly order: string[] = [];
  release: () => void = () => undefined;
  readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  record(consumer: string, ping: Ping, ctx: BusContext): void {
    this.calls.push({
      consumer,
      n: ping.n,
      deliveryCount: ctx.deliveryCount(),
      correlationId: ctx.correlationId(),
      messageId: ctx.messageId(),
    });
  }
  fail(ping: Ping, ctx: BusContext): Error | undefined {
    if (ping.fail === 'transient' && ctx.deliveryCount() === 1) return new Error('transient');
    if (ping.fail === 'fatal') return new NonRetryableError('cannot ever work');
    return undefined;
  }
}

class UpperCasePipe implements PipeTransform<{ text: string }, { text: string }> {
  transform(value: { text: string }) {
    return { text: value.text.toUpperCase() };
  }
}

@Controller()
class PingHandlers {
  constructor(private readonly seen: Seen) {}

  @EventPattern(PingedV1.subject, { consumer: 'test-pinged', maxDeliveries: 3 } satisfies BusEventOptions)
  async pinged(@Payload() ping: Ping, @Ctx() ctx: BusContext): Promise<void> {
    this.seen.record('test-pinged', ping, ctx);
    const err = this.seen.fail(ping, ctx);
    if (err) throw err;
  }

  @EventPattern(PingedV1.subject, { consumer: 'test-pinged-audit' } satisfies BusEventOptions)
  async audited(@Payload() ping: Ping, @Ctx() ctx: BusContext): Promise<void> {
    this.seen.record('test-pinged-audit', ping, ctx);
  }

  @EventPattern(StreamedV1.subject, { consumer: 'test-streamed' } satisfies BusEventOptions)
  async streamed(@Payload() ping: Ping, @Ctx() ctx: BusContext): Promise<Observable<void>> {
    this.seen.record('test-streamed', ping, ctx);
    const err = this.seen.fail(ping, ctx);
    return err ? throwError(() => err) : of(undefined);
  }

  @EventPattern(SlowedV1.subject, { consumer: 'test-slowed' } satisfies BusEventOptions)
  async slowed(@Payload() ping: Ping, @Ctx() ctx: BusContext): Promise<void> {
    this.seen.record('test-slowed', ping, ctx);
    await this.seen.gate;
    this.seen.order.push('handler finished');
  }

  @MessagePattern(EchoV1.subject)
  async echo(@Payload(new UpperCasePipe()) req: { text: string }): Promise<{ echoed: string }> {
    if (req.text === 'NO') throw new EchoRefusedError('echo refused');
    return { echoed: req.text };
  }
}

describe('BusServer over InProcessMessageBus', () => {
  let bus: InProcessMessageBus;
  let app: INestMicroservice | undefined;

  async function start(
    controller: NestType,
    { filter = true, registry = false } = {},
  ): Promise<INestMicroservice> {
    @Module({ controllers: [controller], providers: [Seen] })
    class TestModule {}
    const created = await NestFactory.createMicroservice<MicroserviceOptions>(TestModule, {
      // The test's own definitions are not in the contracts registry, the server's default.
      strategy: new BusServer(bus, registry ? {} : { resolveDef }),
      logger: false,
    });
    app = created;
    if (filter) created.useGlobalFilters(new BusExceptionFilter());
    await created.listen();
    return created;
  }
  const seenIn = (a: INestMicroservice) => a.get(Seen);
  const callsOf = (a: INestMicroservice, consumer: string) =>
    seenIn(a)
      .calls.filter((c) => c.consumer === consumer)
      .map(({ n, deliveryCount }) => ({ n, deliveryCount }));

  beforeEach(() => {
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await bus.close();
  });

  it('hands an event handler the payload and a BusContext, for every consumer of the subject', async () => {
    const a = await start(PingHandlers);
    const envelope = await bus.publish(PingedV1, { n: 1 }, { correlationId: 'run-1', projectId: 'p-1' });

    const byConsumer = () => [...seenIn(a).calls].sort((x, y) => x.consumer.localeCompare(y.consumer));
    await eventually(() =>
      expect(byConsumer()).toEqual([
        { consumer: 'test-pinged', n: 1, deliveryCount: 1, correlationId: 'run-1', messageId: envelope.id },
        {
          consumer: 'test-pinged-audit',
          n: 1,
          deliveryCount: 1,
          correlationId: 'run-1',
          messageId: envelope.id,
        },
      ]),
    );
    expect(await bus.listDeadLetters()).toEqual([]);
  });

  it('redelivers when the handler throws a plain error: the failed stream is not acked', async () => {
    const a = await start(PingHandlers);
    await bus.publish(PingedV1, { n: 2, fail: 'transient' });

    await eventually(() =>
      expect(callsOf(a, 'test-pinged')).toEqual([
        { n: 2, deliveryCount: 1 },
        { n: 2, deliveryCount: 2 },
      ]),
    );
    expect(await bus.listDeadLetters()).toEqual([]);
  });

  it('dead-letters at once when the handler throws NonRetryableError', async () => {
    const a = await start(PingHandlers);
    await bus.publish(PingedV1, { n: 3, fail: 'fatal' });

    const [dead] = await eventually(async () => {
      const letters = await bus.listDeadLetters({ consumer: 'test-pinged' });
      expect(letters).toHaveLength(1);
      return letters;
    });
    expect(dead).toMatchObject({ code: 'BUS_NON_RETRYABLE', deliveryCount: 1, subject: PingedV1.subject });
    expect(callsOf(a, 'test-pinged')).toEqual([{ n: 3, deliveryCount: 1 }]);
  });

  it('redelivers when an async handler returns an Observable that errors', async () => {
    const a = await start(PingHandlers);
    await bus.publish(StreamedV1, { n: 4, fail: 'transient' });

    await eventually(() =>
      expect(callsOf(a, 'test-streamed')).toEqual([
        { n: 4, deliveryCount: 1 },
        { n: 4, deliveryCount: 2 },
      ]),
    );
  });

  it('answers a @MessagePattern request through Nest pipes with the handler value', async () => {
    await start(PingHandlers);
    await expect(bus.request(EchoV1, { text: 'hi' })).resolves.toEqual({ echoed: 'HI' });
  });

  it('returns a responder error as RemoteError carrying its code', async () => {
    await start(PingHandlers);
    const failure = await bus.request(EchoV1, { text: 'no' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ code: 'TEST_ECHO_REFUSED' });
  });

  it('without BusExceptionFilter still redelivers, as Nest hides the error behind its own shape', async () => {
    const a = await start(PingHandlers, { filter: false });
    await bus.publish(PingedV1, { n: 5, fail: 'transient' });

    await eventually(() =>
      expect(callsOf(a, 'test-pinged')).toEqual([
        { n: 5, deliveryCount: 1 },
        { n: 5, deliveryCount: 2 },
      ]),
    );
  });

  it('waits for an in-flight handler when the app closes', async () => {
    const a = await start(PingHandlers);
    await bus.publish(SlowedV1, { n: 6 });
    await eventually(() => expect(callsOf(a, 'test-slowed')).toEqual([{ n: 6, deliveryCount: 1 }]));

    const seen = seenIn(a);
    const closed = a.close().then(() => seen.order.push('app closed'));
    app = undefined;
    // Released only after the event loop has turned a few times: nothing on this path does I/O, so
    // a close() that did not wait for the handler would have resolved by then.
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    seen.release();
    await closed;
    expect(seen.order).toEqual(['handler finished', 'app closed']);
  });

  it('resolves patterns through the contracts registry by default', async () => {
    @Controller()
    class RunFinishedHandler {
      @EventPattern(RunFinishedV1.subject, { consumer: 'test-run-finished' } satisfies BusEventOptions)
      async finished(): Promise<void> {}
    }
    await expect(start(RunFinishedHandler, { registry: true })).resolves.toBeDefined();
  });

  describe('refuses to start', () => {
    it('when an @EventPattern has no consumer name', async () => {
      @Controller()
      class NoConsumer {
        @EventPattern(PingedV1.subject)
        async pinged(): Promise<void> {}
      }
      const failure = await start(NoConsumer).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(MissingConsumerError);
      expect(failure).toMatchObject({ code: 'TRANSPORT_MISSING_CONSUMER', subject: PingedV1.subject });
    });

    it('when two handlers of one subject share a consumer name', async () => {
      @Controller()
      class Twice {
        @EventPattern(PingedV1.subject, { consumer: 'test-twice' })
        async first(): Promise<void> {}
        @EventPattern(PingedV1.subject, { consumer: 'test-twice' })
        async second(): Promise<void> {}
      }
      await expect(start(Twice)).rejects.toBeInstanceOf(DuplicateConsumerError);
    });

    it('when a pattern names no known message', async () => {
      @Controller()
      class Unknown {
        @EventPattern('ap.v1.evt.nothing.here', { consumer: 'test-nothing' })
        async nothing(): Promise<void> {}
      }
      await expect(start(Unknown)).rejects.toBeInstanceOf(UnknownSubjectError);
    });

    it('when @MessagePattern is put on an event', async () => {
      @Controller()
      class WrongKind {
        @MessagePattern(PingedV1.subject)
        async pinged(): Promise<void> {}
      }
      await expect(start(WrongKind)).rejects.toBeInstanceOf(PatternKindMismatchError);
    });
  });
});
