import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { StepRecordedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunReportsUseCase } from '../app/run-reports.use-case';

/** `step.recorded` → the run's lease renewed, its steps and cost counted; a stale fencing token is refused. */
@Controller()
export class StepRecordedHandler {
  constructor(private readonly uc: RunReportsUseCase) {}

  @EventPattern(StepRecordedV1.subject, { consumer: 'manager-step-recorded' } satisfies BusEventOptions)
  async handle(@Payload() message: StepRecordedV1): Promise<void> {
    await this.uc.stepRecorded(message);
  }
}
