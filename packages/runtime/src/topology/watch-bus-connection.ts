import { JetStreamMessageBus, type MessageBus } from '@autopilot/bus';
import type { Logger } from '../logging';
import { maskUrl } from '../config';
import type { Readiness } from '../http';

/**
 * Keeps `/readyz` honest after start-up: while the NATS client is disconnected (it reconnects by
 * itself) the `bus` part is not ready, so a load balancer sends no work to a process that cannot
 * publish. A bus without a connection (in memory) has nothing to watch.
 */
export function watchBusConnection(bus: MessageBus, readiness: Readiness, logger: Logger): void {
  if (!(bus instanceof JetStreamMessageBus)) return;
  void (async () => {
    for await (const status of bus.connection.status()) {
      if (status.type === 'disconnect') {
        readiness.notReady('bus', 'disconnected, reconnecting');
        logger.warn({ server: maskUrl(status.server) }, 'bus disconnected: reconnecting');
      } else if (status.type === 'reconnect') {
        readiness.ready('bus');
        logger.info({ server: maskUrl(status.server) }, 'bus reconnected');
      }
    }
  })().catch((err: unknown) => logger.debug({ err }, 'bus status watch ended'));
}
