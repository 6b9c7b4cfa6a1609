import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerCreateProjectV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { ProjectCommandsUseCase } from '../app/project-commands.use-case';

@Controller()
export class CreateProjectHandler {
  constructor(private readonly projects: ProjectCommandsUseCase) {}

  @EventPattern(ManagerCreateProjectV1.subject, {
    consumer: 'manager-create-project',
  } satisfies BusEventOptions)
  async handle(@Payload() command: ManagerCreateProjectV1): Promise<void> {
    await this.projects.create(command);
  }
}
