/**
 * @autopilot/runtime/topology: the two ways to run services, each picking its bus and store
 * adapters. Only the CLI and tests import it. Importing it loads SQLite; the NATS client and the
 * MongoDB driver load when `startSingleService` first connects to them, so the embedded topology
 * never carries them.
 *
 *   const running = await startEmbedded({ services, dir: '.autopilot', port: 4000, host: '127.0.0.1', ... });
 *   await running.started;
 */
export { startEmbedded, type EmbeddedOptions } from './embedded';
export { startSingleService, type SingleServiceOptions } from './service';
export type { RunningTopology } from './running-topology';
