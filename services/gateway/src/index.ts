/**
 * @autopilot/gateway: The GraphQL API over a read model projected from every event, and API keys.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service gateway`.
 *
 *   import { gatewayService } from '@autopilot/gateway';
 *   await startServiceHost({ definition: gatewayService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { GatewayModule } from './gateway.module';

export { GatewayModule };

/** What the runtime needs to host the gateway service. */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  collections: [{ name: 'read_model' }, { name: 'api_keys' }],
};
