import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerCancelRunV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunCommandsUseCase } from '../app/run-commands.use-case';

/** `manager.cancel_run` → the run and its task cancelled; the worker's later reports refused. */
@Controller()
export class CancelRunHandler {
  constructor(private readonly uc: RunCommandsUseCase) {}

  @EventPattern(ManagerCancelRunV1.subject, { consumer: 'manager-cancel-run' } satisfies BusEventOptions)
  async handle(@Payload() message: ManagerCancelRunV1): Promise<void> {
    await this.uc.cancelRun(message);
  }
}
