import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { PlannerAnnouncePlanV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { AnnouncePlanUseCase } from '../app/announce-plan';

/** `cmd.planner.announce_plan` → the plan's stored revision announced again, whole. */
@Controller()
export class AnnouncePlanHandler {
  constructor(private readonly announce: AnnouncePlanUseCase) {}

  @EventPattern(PlannerAnnouncePlanV1.subject, {
    consumer: 'planner-announce-plan',
  } satisfies BusEventOptions)
  async handle(@Payload() command: PlannerAnnouncePlanV1): Promise<void> {
    await this.announce.execute(command);
  }
}
