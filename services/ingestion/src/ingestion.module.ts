import { Module } from '@nestjs/common';
import { Clock } from '@autopilot/kernel';
import { DocumentStore } from '@autopilot/store';
import { StoreBlueprintRepository } from './adapters/blueprint-repository';
import { defaultIngestionOptions, IngestionOptions } from './app/ingestion-options';
import { BlueprintRepository, RecentBlueprintBlocks, RepoReader, RepoScanRepository } from './app/ports';
import { InMemoryRecentBlueprintBlocks } from './adapters/recent-blueprint-blocks';
import { SubmitBlueprintUseCase } from './app/submit-blueprint.use-case';
import { SubmitBlueprintHandler } from './handlers/submit-blueprint.handler';
import { AnnounceBlueprintUseCase } from './app/announce-blueprint.use-case';
import { AnnounceBlueprintHandler } from './handlers/announce-blueprint.handler';
import { LocalRepoReader } from './adapters/local-repo-reader';
import { StoreRepoScanRepository } from './adapters/repo-scan-repository';
import { ScanRepoUseCase } from './app/scan-repo.use-case';
import { ScanRepoHandler } from './handlers/scan-repo.handler';
import { ServiceSettings } from '@autopilot/runtime';
import { NodeLocalPaths } from './adapters/local-paths';
import { StoreProjectRepositories } from './adapters/project-repository-registry';
import { LocalPaths, ProjectRepositories, REPO_ROOTS } from './app/ports';
import { RepoLocationGuard } from './app/repo-location-guard';
import type { IngestionSettings } from './ingestion-settings';
import { AnnounceRefusedCommandUseCase } from './app/announce-refused-command';

/**
 * The ingestion service's Nest module. `DocumentStore`, `MessageBus`, `Clock`, `IdSource` and
 * `OutboxEnvelopes` come from the runtime (global providers). Repository scanning registers its handler and use case here
 * beside the blueprint ones.
 */
@Module({
  controllers: [SubmitBlueprintHandler, AnnounceBlueprintHandler, ScanRepoHandler],
  providers: [
    SubmitBlueprintUseCase,
    // A consumer handed a version as a change to one it lacks asks for it whole.
    AnnounceBlueprintUseCase,
    {
      provide: BlueprintRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreBlueprintRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    { provide: IngestionOptions, useValue: defaultIngestionOptions },
    // A new version of a blueprint parsed here before is lexed only where it changed.
    { provide: RecentBlueprintBlocks, useFactory: () => new InMemoryRecentBlueprintBlocks() },
    ScanRepoUseCase,
    // A command of ours the bus dead-letters ends its job with a failure event (index.ts names it).
    AnnounceRefusedCommandUseCase,
    { provide: RepoReader, useClass: LocalRepoReader },
    // Where scans may read (issue 13 item 5): the runtime read and checked the settings at start.
    RepoLocationGuard,
    { provide: LocalPaths, useClass: NodeLocalPaths },
    {
      provide: REPO_ROOTS,
      useFactory: (settings: IngestionSettings) => settings.repoRoots,
      inject: [ServiceSettings],
    },
    {
      provide: ProjectRepositories,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreProjectRepositories(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: RepoScanRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreRepoScanRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
  ],
})
export class IngestionModule {}
