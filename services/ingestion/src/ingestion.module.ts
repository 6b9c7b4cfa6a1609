import { Module } from '@nestjs/common';
import { DocumentBlueprintRepository } from './adapters/blueprint-repository';
import { defaultIngestionOptions, IngestionOptions } from './app/ingestion-options';
import { BlueprintRepository } from './app/ports';
import { SubmitBlueprintUseCase } from './app/submit-blueprint.use-case';
import { SubmitBlueprintHandler } from './handlers/submit-blueprint.handler';
import { LocalRepoReader } from './adapters/local-repo-reader';
import { RepoReader } from './app/repo-reader';
import { ScanRepoUseCase } from './app/scan-repo';
import { ScanRepoHandler } from './handlers/scan-repo.handler';

/**
 * The ingestion service's Nest module. `DocumentStore`, `MessageBus`, `Clock` and `IdSource` come
 * from the runtime (global providers). Repository scanning registers its handler and use case here
 * beside the blueprint ones.
 */
@Module({
  controllers: [SubmitBlueprintHandler, ScanRepoHandler],
  providers: [
    SubmitBlueprintUseCase,
    { provide: BlueprintRepository, useClass: DocumentBlueprintRepository },
    { provide: IngestionOptions, useValue: defaultIngestionOptions },
    ScanRepoUseCase,
    { provide: RepoReader, useClass: LocalRepoReader },
  ],
})
export class IngestionModule {}
