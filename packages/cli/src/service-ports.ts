import type { ServiceName } from '@autopilot/contracts';

/**
 * `autopilot service <name>` listens here unless `--port` or `PORT` says otherwise: distinct
 * defaults so the six can run side by side on one machine; the gateway keeps the `up` port.
 */
export const defaultServicePorts: Readonly<Record<ServiceName, number>> = {
  gateway: 4000,
  ingestion: 4001,
  planner: 4002,
  manager: 4003,
  worker: 4004,
  governance: 4005,
};
