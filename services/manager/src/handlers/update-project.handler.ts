import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerUpdateProjectV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { ProjectCommandsUseCase } from '../app/project-commands.use-case';

@Controller()
export class UpdateProjectHandler {
  constructor(private readonly projects: ProjectCommandsUseCase) {}

  @EventPattern(ManagerUpdateProjectV1.subject, {
    consumer: 'manager-update-project',
  } satisfies BusEventOptions)
  async handle(@Payload() command: ManagerUpdateProjectV1): Promise<void> {
    await this.projects.update(command);
  }
}
