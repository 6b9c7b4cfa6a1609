import { Module } from '@nestjs/common';
import { Clock } from '@autopilot/kernel';
import { DocumentStore } from '@autopilot/store';
import { StoreBlueprintRepository } from './adapters/blueprint-repository';
import { defaultIngestionOptions, IngestionOptions } from './app/ingestion-options';
import { BlueprintRepository, RepoReader, RepoScanRepository } from './app/ports';
import { SubmitBlueprintUseCase } from './app/submit-blueprint.use-case';
import { SubmitBlueprintHandler } from './handlers/submit-blueprint.handler';
import { LocalRepoReader } from './adapters/local-repo-reader';
import { StoreRepoScanRepository } from './adapters/repo-scan-repository';
import { ScanRepoUseCase } from './app/scan-repo.use-case';
import { ScanRepoHandler } from './handlers/scan-repo.handler';

/**
 * The ingestion service's Nest module. `DocumentStore`, `MessageBus`, `Clock`, `IdSource` and
 * `OutboxEnvelopes` come from the runtime (global providers). Repository scanning registers its handler and use case here
 * beside the blueprint ones.
 */
@Module({
  controllers: [SubmitBlueprintHandler, ScanRepoHandler],
  providers: [
    SubmitBlueprintUseCase,
    {
      provide: BlueprintRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreBlueprintRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    { provide: IngestionOptions, useValue: defaultIngestionOptions },
    ScanRepoUseCase,
    { provide: RepoReader, useClass: LocalRepoReader },
    {
      provide: RepoScanRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreRepoScanRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
  ],
})
export class IngestionModule {}
