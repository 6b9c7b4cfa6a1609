import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { BlueprintIngestedV1 } from '@autopilot/contracts';
import type { BusContext, BusEventOptions } from '@autopilot/nest-transport';
import { PlanBlueprintUseCase } from '../app/plan-blueprint';

/** `blueprint.ingested` → the plan graph and task graph of that blueprint version. */
@Controller()
export class BlueprintIngestedHandler {
  constructor(private readonly planBlueprint: PlanBlueprintUseCase) {}

  @EventPattern(BlueprintIngestedV1.subject, {
    consumer: 'planner-blueprint-ingested',
  } satisfies BusEventOptions)
  async handle(@Payload() blueprint: BlueprintIngestedV1, @Ctx() ctx: BusContext): Promise<void> {
    const correlationId = ctx.correlationId();
    await this.planBlueprint.execute(blueprint, {
      causationId: ctx.messageId(),
      ...(correlationId !== undefined ? { correlationId } : {}),
    });
  }
}
