import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import { createLogger, type Logger, type ServiceDefinition } from '@autopilot/runtime';
import { startSingleService, type RunningTopology } from '@autopilot/runtime/topology';
import { testNatsUrl } from '@autopilot/testing';

/** A logger that writes nothing: services under test whose log lines nobody reads. */
export function silentLogger(service: string): Logger {
  return createLogger({
    service,
    level: 'fatal',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
}

/** Services started as their own processes would be (single-service topology) on a real nats-server. */
export interface ServicesOnNats {
  readonly natsUrl: string;
  /** The temporary directory holding each service's store (`<dir>/<service>`). */
  readonly dir: string;
  /**
   * A client bus acting as `role`: the service a contract names as producer (governance takes
   * reservations only from `worker`, commands only from `gateway`), closed by `stop`.
   */
  connectAs(role: string): Promise<JetStreamMessageBus>;
  /** Stops the services, then closes every bus `connectAs` opened, then removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts `services` (each with its SQLite store in a fresh temporary directory and a 50 ms outbox
 * relay) on the test nats-server (`NATS_URL`, or one started for the run) and waits until each
 * has started.
 */
export async function startServicesOnNats(
  services: readonly { readonly definition: ServiceDefinition; readonly logger?: Logger }[],
  prefix: string,
): Promise<ServicesOnNats> {
  const natsUrl = await testNatsUrl();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const running: RunningTopology[] = [];
  const buses: JetStreamMessageBus[] = [];
  const stop = async (): Promise<void> => {
    for (const s of running.reverse()) await s.stop();
    for (const b of buses) await b.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const { definition, logger } of services) {
      running.push(
        await startSingleService({
          definition,
          natsUrls: [natsUrl],
          dir: join(dir, definition.name),
          port: 0,
          host: '127.0.0.1',
          outboxIntervalMs: 50,
          logger: logger ?? silentLogger(definition.name),
        }),
      );
    }
    await Promise.all(running.map((s) => s.started));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    natsUrl,
    dir,
    async connectAs(role) {
      const bus = await connectJetStreamBus({ servers: natsUrl, source: role, log: () => undefined });
      buses.push(bus);
      return bus;
    },
    stop,
  };
}
