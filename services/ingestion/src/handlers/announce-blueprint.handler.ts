import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { IngestionAnnounceBlueprintV1 } from '@autopilot/contracts';
import { AnnounceBlueprintUseCase } from '../app/announce-blueprint.use-case';

@Controller()
export class AnnounceBlueprintHandler {
  constructor(private readonly announce: AnnounceBlueprintUseCase) {}

  @EventPattern(IngestionAnnounceBlueprintV1.subject, { consumer: 'ingestion-announce-blueprint' })
  async handle(@Payload() command: IngestionAnnounceBlueprintV1): Promise<void> {
    await this.announce.execute(command);
  }
}
