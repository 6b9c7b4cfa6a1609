import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ManagerResumeProjectV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { ProjectCommandsUseCase } from '../app/project-commands.use-case';

@Controller()
export class ResumeProjectHandler {
  constructor(private readonly projects: ProjectCommandsUseCase) {}

  @EventPattern(ManagerResumeProjectV1.subject, {
    consumer: 'manager-resume-project',
  } satisfies BusEventOptions)
  async handle(@Payload() command: ManagerResumeProjectV1): Promise<void> {
    await this.projects.resume(command);
  }
}
