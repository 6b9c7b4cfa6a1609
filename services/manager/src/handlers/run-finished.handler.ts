import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RunFinishedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunReportsUseCase } from '../app/run-reports.use-case';

/** `run.finished` → the run ended, its task following (succeeded, retried or failed), auto-pause checked. */
@Controller()
export class RunFinishedHandler {
  constructor(private readonly uc: RunReportsUseCase) {}

  @EventPattern(RunFinishedV1.subject, { consumer: 'manager-run-finished' } satisfies BusEventOptions)
  async handle(@Payload() message: RunFinishedV1): Promise<void> {
    await this.uc.finished(message);
  }
}
