import { Logger, Module } from '@nestjs/common';
import { MessageBus } from '@autopilot/bus';
import { Clock, IdSource, Timers } from '@autopilot/kernel';
import { DocumentStore } from '@autopilot/store';
import { ServiceSettings } from '@autopilot/runtime';
import { planRefiner } from './adapters/openai-plan-refiner';
import { StoreRefinementCache } from './adapters/refinement-cache';
import { StorePlanRepository } from './adapters/plan-repository';
import { RememberingAnchorBuilder } from './app/plan-anchor-builder';
import { PLANNER_MAX_REFINEMENT_CALLS, PlanBlueprintUseCase } from './app/plan-blueprint';
import {
  AnchorBuilder,
  PlannerLog,
  PlanRefiner,
  PlanRepository,
  RecentBlueprints,
  RefinementCache,
} from './app/ports';
import { PlanIngestedBlueprintUseCase } from './app/plan-changed-blueprint';
import { PlanningSecretScans } from './app/planning-secret-scans';
import { InMemoryRecentBlueprints } from './adapters/recent-blueprints';
import type { PlannerSettings } from './planner-settings';
import { BlueprintIngestedHandler } from './handlers/blueprint-ingested.handler';
import { StoreAnchorRepository } from './adapters/anchor-repository';
import { StoreGapReportRepository } from './adapters/gap-report-repository';
import { StorePlanProposalRepository } from './adapters/plan-proposal-repository';
import { AnchorRepository, GapReportRepository, PlanProposalRepository } from './app/ports';
import { ReportRepoGapsUseCase } from './app/report-repo-gaps';
import { RepoScannedHandler } from './handlers/repo-scanned.handler';
import { RepoScannedPlansHandler } from './handlers/repo-scanned-plans.handler';
import { CheckPlansAgainstRepoUseCase } from './app/check-plans-against-repo';
import { StoreRepoViewRepository } from './adapters/repo-view-repository';
import { RepoViewRepository } from './app/ports';
import { AnnouncedRevisions } from './app/announced-revisions';
import { AnnouncePlanUseCase } from './app/announce-plan';
import { AnnouncePlanHandler } from './handlers/announce-plan.handler';

/** The planner's log lines go through Nest's logger, which the runtime routes into JSON logs. */
function nestPlannerLog(): PlannerLog {
  const logger = new Logger('planner');
  return {
    info: (message, fields) => logger.log({ msg: message, ...fields }),
    warn: (message, fields) => logger.warn({ msg: message, ...fields }),
  };
}

/** The planner service's Nest module: its handlers and use cases are registered here. */
@Module({
  controllers: [BlueprintIngestedHandler, RepoScannedHandler, RepoScannedPlansHandler, AnnouncePlanHandler],
  providers: [
    PlanBlueprintUseCase,
    PlanIngestedBlueprintUseCase,
    PlanningSecretScans,
    // The last revision of each plan announced here, so the next can be told as a change to it.
    { provide: AnnouncedRevisions, useFactory: () => new AnnouncedRevisions() },
    AnnouncePlanUseCase,
    // The last version of each blueprint, so the next can arrive as a change to it.
    { provide: RecentBlueprints, useFactory: () => new InMemoryRecentBlueprints() },
    {
      provide: PlanRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StorePlanRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: RefinementCache,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreRefinementCache(store, clock),
      inject: [DocumentStore, Clock],
    },
    // The runtime read and checked the settings at start (planner-settings.ts).
    {
      provide: PlanRefiner,
      useFactory: (
        { model }: PlannerSettings,
        bus: MessageBus,
        clock: Clock,
        timers: Timers,
        ids: IdSource,
      ) => (model ? planRefiner(model, { bus, clock, timers, ids }) : null),
      inject: [ServiceSettings, MessageBus, Clock, Timers, IdSource],
    },
    {
      provide: PLANNER_MAX_REFINEMENT_CALLS,
      useFactory: (settings: PlannerSettings) => settings.maxRefinementCalls,
      inject: [ServiceSettings],
    },
    { provide: AnchorBuilder, useFactory: () => new RememberingAnchorBuilder() },
    { provide: PlannerLog, useFactory: nestPlannerLog },
    ReportRepoGapsUseCase,
    CheckPlansAgainstRepoUseCase,
    {
      provide: RepoViewRepository,
      useFactory: (store: DocumentStore) => new StoreRepoViewRepository(store),
      inject: [DocumentStore],
    },
    {
      provide: GapReportRepository,
      useFactory: (store: DocumentStore, clock: Clock) => new StoreGapReportRepository(store, clock),
      inject: [DocumentStore, Clock],
    },
    {
      provide: PlanProposalRepository,
      useFactory: (store: DocumentStore) => new StorePlanProposalRepository(store),
      inject: [DocumentStore],
    },
    {
      provide: AnchorRepository,
      useFactory: (store: DocumentStore) => new StoreAnchorRepository(store),
      inject: [DocumentStore],
    },
  ],
})
export class PlannerModule {}
