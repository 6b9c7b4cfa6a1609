import type { Type } from '@nestjs/common';
import type { ServiceName } from '@autopilot/contracts';
import type { CollectionSpec } from '@autopilot/store';
import type { ServiceSettingsSpec } from './settings';
import type { CommandRefusals } from './command-refusals';

/**
 * What a service hands the runtime: its name, its Nest module (handlers and use cases), and the
 * collections it owns in its store, and the settings it reads. The runtime adds `outbox`/`inbox` and
 * provides `MessageBus`, `DocumentStore`, `HttpRoutes`, `OutboxRelay`, `OutboxEnvelopes` and
 * `ServiceSettings` to the module; the service never picks an adapter.
 */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** A Nest `@Module()` class; it may inject the runtime's providers. */
  readonly module: Type<unknown>;
  /** Declared on the service's store before the module starts. */
  readonly collections: readonly CollectionSpec[];
  /**
   * What the service reads from the environment. The runtime validates it at start (a bad value
   * stops the process before anything binds), shows it masked in the effective-configuration line,
   * and provides the parsed value to the module as `ServiceSettings`. A service never reads
   * `process.env` itself.
   */
  readonly settings?: ServiceSettingsSpec<unknown>;
  /**
   * A provider of the module that ends the job of a command of this service the bus dead-letters
   * (CommandRefusals): every job ends in an event, even one whose command never reached a handler.
   */
  readonly commandRefusals?: Type<CommandRefusals>;
}
