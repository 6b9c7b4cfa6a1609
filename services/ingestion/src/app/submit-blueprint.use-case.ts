import { Inject, Injectable } from '@nestjs/common';
import type { IngestionSubmitBlueprintV1 } from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { IngestionOptions } from './ingestion-options';
import { BlueprintRepository, RecentBlueprintBlocks } from './ports';
import { ingestSubmittedBlueprint, type IngestOutcome } from './ingest-blueprint';

/** `cmd.ingestion.submit_blueprint` → one resumable ingestion job (idempotent by job id). */
@Injectable()
export class SubmitBlueprintUseCase {
  constructor(
    @Inject(BlueprintRepository) private readonly blueprints: BlueprintRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(IngestionOptions) private readonly options: IngestionOptions,
    @Inject(RecentBlueprintBlocks) private readonly recentBlocks: RecentBlueprintBlocks,
  ) {}

  /** Bad input is an outcome (the job is failed and announced), not an error: the bus must not retry it. */
  execute(command: IngestionSubmitBlueprintV1, meta: { onStep?: () => void } = {}): Promise<IngestOutcome> {
    return ingestSubmittedBlueprint(
      {
        blueprints: this.blueprints,
        clock: this.clock,
        envelopes: this.envelopes,
        options: this.options,
        recentBlocks: this.recentBlocks,
      },
      { command, ...meta },
    );
  }
}
