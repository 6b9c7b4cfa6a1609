import type { Type } from '@nestjs/common';
import type { ServiceName } from '@autopilot/contracts';
import type { CollectionSpec } from '@autopilot/store';

/**
 * What a service hands the runtime: its name, its Nest module (handlers and use cases), and the
 * collections it owns in its store. The runtime adds `outbox`/`inbox` and provides `MessageBus`,
 * `DocumentStore`, `HttpRoutes` and `OutboxRelay` to the module; the service never picks an adapter.
 */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** A Nest `@Module()` class; it may inject the runtime's providers. */
  readonly module: Type<unknown>;
  /** Declared on the service's store before the module starts. */
  readonly collections: readonly CollectionSpec[];
}
