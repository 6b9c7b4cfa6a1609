import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerSetAutonomyV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { ProjectCommandsUseCase } from '../app/project-commands.use-case';

@Controller()
export class SetAutonomyHandler {
  constructor(private readonly projects: ProjectCommandsUseCase) {}

  @EventPattern(ManagerSetAutonomyV1.subject, { consumer: 'manager-set-autonomy' } satisfies BusEventOptions)
  async handle(@Payload() command: ManagerSetAutonomyV1): Promise<void> {
    await this.projects.setAutonomy(command);
  }
}
