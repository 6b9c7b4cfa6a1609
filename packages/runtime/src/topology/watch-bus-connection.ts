import type { MessageBus } from '@autopilot/bus';
import type { Logger } from '../logging';
import { maskUrl } from '../config';
import type { Readiness } from '../http';

/**
 * Keeps `/readyz` honest after start-up: while the bus's connection is down (the client reconnects
 * by itself) the `bus` part is not ready, so a load balancer sends no work to a process that cannot
 * publish. A bus without a connection (in memory) has nothing to watch.
 */
export function watchBusConnection(bus: MessageBus, readiness: Readiness, logger: Logger): void {
  const changes = bus.connectionChanges?.();
  if (!changes) return;
  void (async () => {
    for await (const change of changes) {
      if (change.type === 'disconnected') {
        readiness.notReady('bus', 'disconnected, reconnecting');
        logger.warn({ server: maskUrl(change.server) }, 'bus disconnected: reconnecting');
      } else {
        readiness.ready('bus');
        logger.info({ server: maskUrl(change.server) }, 'bus reconnected');
      }
    }
  })().catch((err: unknown) => logger.debug({ err }, 'bus status watch ended'));
}
