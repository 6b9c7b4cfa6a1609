import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IngestionSubmitBlueprintV1 } from '@autopilot/contracts';
import { BusContext } from '@autopilot/nest-transport';
import { SubmitBlueprintUseCase } from '../app/submit-blueprint.use-case';

@Controller()
export class SubmitBlueprintHandler {
  constructor(private readonly submit: SubmitBlueprintUseCase) {}

  // A 3 MB blueprint takes seconds; each stored step tells the bus the job is alive (working()).
  @EventPattern(IngestionSubmitBlueprintV1.subject, { consumer: 'ingestion-submit-blueprint' })
  async handle(@Payload() command: IngestionSubmitBlueprintV1, @Ctx() ctx: BusContext): Promise<void> {
    await this.submit.execute(command, { onStep: () => ctx.working() });
  }
}
