import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerPauseProjectV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { ProjectCommandsUseCase } from '../app/project-commands.use-case';

@Controller()
export class PauseProjectHandler {
  constructor(private readonly projects: ProjectCommandsUseCase) {}

  @EventPattern(ManagerPauseProjectV1.subject, {
    consumer: 'manager-pause-project',
  } satisfies BusEventOptions)
  async handle(@Payload() command: ManagerPauseProjectV1): Promise<void> {
    await this.projects.pause(command);
  }
}
