import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BlueprintIngestedV1 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { PlanBlueprintUseCase } from '../app/plan-blueprint';

/** `blueprint.ingested` → the plan graph and task graph of that blueprint version. */
@Controller()
export class BlueprintIngestedHandler {
  constructor(private readonly planBlueprint: PlanBlueprintUseCase) {}

  @EventPattern(BlueprintIngestedV1.subject, {
    consumer: 'planner-blueprint-ingested',
  } satisfies BusEventOptions)
  async handle(@Payload() blueprint: BlueprintIngestedV1): Promise<void> {
    await this.planBlueprint.execute(blueprint);
  }
}
