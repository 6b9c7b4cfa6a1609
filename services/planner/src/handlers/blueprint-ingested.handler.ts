import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BlueprintIngestedV1, BlueprintIngestedV2 } from '@autopilot/contracts';
import type { BusEventOptions } from '@autopilot/nest-transport';
import { PlanIngestedBlueprintUseCase } from '../app/plan-changed-blueprint';

/** `blueprint.ingested` → the plan graph and task graph of that blueprint version. */
@Controller()
export class BlueprintIngestedHandler {
  constructor(private readonly plan: PlanIngestedBlueprintUseCase) {}

  /** A version whole. */
  @EventPattern(BlueprintIngestedV1.subject, {
    consumer: 'planner-blueprint-ingested',
  } satisfies BusEventOptions)
  async handle(@Payload() blueprint: BlueprintIngestedV1): Promise<void> {
    await this.plan.whole(blueprint);
  }

  /** A version as a change to the one before it. */
  @EventPattern(BlueprintIngestedV2.subject, {
    consumer: 'planner-blueprint-changed',
  } satisfies BusEventOptions)
  async handleChange(@Payload() change: BlueprintIngestedV2): Promise<void> {
    await this.plan.changed(change);
  }
}
