import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RunSuspendedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunReportsUseCase } from '../app/run-reports.use-case';

/** `run.suspended` → the run suspended (its worker freed), its task awaiting approval. */
@Controller()
export class RunSuspendedHandler {
  constructor(private readonly uc: RunReportsUseCase) {}

  @EventPattern(RunSuspendedV1.subject, { consumer: 'manager-run-suspended' } satisfies BusEventOptions)
  async handle(@Payload() message: RunSuspendedV1): Promise<void> {
    await this.uc.suspended(message);
  }
}
