import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerAbortProjectV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RunCommandsUseCase } from '../app/run-commands.use-case';

/** `manager.abort_project` → unfinished work cancelled, runs in flight cancelled, the project paused. */
@Controller()
export class AbortProjectHandler {
  constructor(private readonly uc: RunCommandsUseCase) {}

  @EventPattern(ManagerAbortProjectV1.subject, {
    consumer: 'manager-abort-project',
  } satisfies BusEventOptions)
  async handle(@Payload() message: ManagerAbortProjectV1): Promise<void> {
    await this.uc.abortProject(message);
  }
}
