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
