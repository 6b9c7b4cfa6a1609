import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ProjectUpdatedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { RecordProjectBudgetUseCase } from '../app/record-project-budget';

/** Learns each project's caps and time zone from the manager. */
@Controller()
export class ProjectUpdatedHandler {
  constructor(private readonly recordProjectBudget: RecordProjectBudgetUseCase) {}

  @EventPattern(ProjectUpdatedV1.subject, {
    consumer: 'governance-project-updated',
  } satisfies BusEventOptions)
  async handle(@Payload() project: ProjectUpdatedV1): Promise<void> {
    await this.recordProjectBudget.execute(project);
  }
}
