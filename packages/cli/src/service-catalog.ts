import { SERVICES, type ServiceName } from '@autopilot/contracts';
import { gatewayService } from '@autopilot/gateway';
import { governanceService } from '@autopilot/governance';
import { ingestionService } from '@autopilot/ingestion';
import { managerService } from '@autopilot/manager';
import { plannerService } from '@autopilot/planner';
import type { ServiceDefinition } from '@autopilot/runtime';
import { workerService } from '@autopilot/worker';

/** Every service the CLI can run, keyed by name; `up` starts them in this order. */
export const serviceCatalog: Readonly<Record<ServiceName, ServiceDefinition>> = {
  ingestion: ingestionService,
  planner: plannerService,
  manager: managerService,
  worker: workerService,
  governance: governanceService,
  gateway: gatewayService,
};

/** The services in start order (producers of early events first does not matter: the bus keeps them). */
export const allServices: readonly ServiceDefinition[] = SERVICES.map((name) => serviceCatalog[name]);

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
