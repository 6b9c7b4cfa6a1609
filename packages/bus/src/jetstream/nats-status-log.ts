import { describeError, type Clock } from '@autopilot/kernel';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusLog } from '../log';
import { authRefusalLogger } from './connect';
import { isAuthRefusal, permissionDenial } from './nats-auth';

/**
 * Logs what the server says about this connection while it runs, which nats.js only reports through
 * `status()`: a permission denial (a publish or subscription the user may not make: the operation
 * that hit it fails or, for a subscription, ends) and refused credentials on a reconnect. Ends when
 * the connection closes.
 */
export function logNatsStatus(nc: NatsConnection, log: BusLog, credential: string, clock: Clock): void {
  const refused = authRefusalLogger(log, clock, { auth: credential });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type !== 'error') continue;
      const denial = permissionDenial(status.error);
      if (denial) {
        const operation = denial.operation === 'subscription' ? 'subscribe' : 'publish';
        log(
          'error',
          `NATS permission denied: ${operation} on "${denial.subject}" is not allowed for this ` +
            `connection's user (${credential})`,
          {
            operation,
            subject: denial.subject,
            ...(denial.queue !== undefined ? { queue: denial.queue } : {}),
            auth: credential,
          },
        );
      } else if (isAuthRefusal(status.error)) {
        refused({ server: nc.getServer() }, status.error);
      } else {
        log('warn', 'NATS server error', { error: describeError(status.error) });
      }
    }
  })().catch((err: unknown) => log('debug', 'NATS status watch ended', { error: describeError(err) }));
}
