import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RunStartedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunReportsUseCase } from '../app/run-reports.use-case';

/** `run.started` → the run running under its lease, its task running; a stale fencing token is refused. */
@Controller()
export class RunStartedHandler {
  constructor(private readonly uc: RunReportsUseCase) {}

  @EventPattern(RunStartedV1.subject, { consumer: 'manager-run-started' } satisfies BusEventOptions)
  async handle(@Payload() message: RunStartedV1): Promise<void> {
    await this.uc.started(message);
  }
}
