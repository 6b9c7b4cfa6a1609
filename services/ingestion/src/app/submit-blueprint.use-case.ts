import { Inject, Injectable } from '@nestjs/common';
import type { IngestionSubmitBlueprintV1 } from '@autopilot/contracts';
import { Clock, IdSource } from '@autopilot/kernel';
import { DocumentStore } from '@autopilot/store';
import { IngestionOptions } from './ingestion-options';
import { BlueprintRepository } from './ports';
import { runBlueprintIngestion, type IngestOutcome } from './run-blueprint-ingestion';

/** `cmd.ingestion.submit_blueprint` → one resumable ingestion job (idempotent by job id). */
@Injectable()
export class SubmitBlueprintUseCase {
  constructor(
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(BlueprintRepository) private readonly repository: BlueprintRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdSource) private readonly ids: IdSource,
    @Inject(IngestionOptions) private readonly options: IngestionOptions,
  ) {}

  /** Bad input is an outcome (the job is failed and announced), not an error: the bus must not retry it. */
  execute(
    command: IngestionSubmitBlueprintV1,
    meta: { commandId?: string; onStep?: () => void } = {},
  ): Promise<IngestOutcome> {
    return runBlueprintIngestion(
      {
        store: this.store,
        repository: this.repository,
        clock: this.clock,
        ids: this.ids,
        options: this.options,
      },
      { command, ...meta },
    );
  }
}
