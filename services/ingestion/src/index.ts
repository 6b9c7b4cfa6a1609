/**
 * @autopilot/ingestion: Blueprints and ingestion jobs: turns submitted text and repositories into `blueprint.ingested` and `repo.scanned`.
 * Run by the runtime, never started by hand: `npx autopilot up` or `npx autopilot service ingestion`.
 *
 *   import { ingestionService } from '@autopilot/ingestion';
 *   await startServiceHost({ definition: ingestionService, bus, store, routes, logger, outboxIntervalMs: 250 });
 */
import type { ServiceDefinition } from '@autopilot/runtime';
import { IngestionModule } from './ingestion.module';

export { IngestionModule };

/** What the runtime needs to host the ingestion service. */
export const ingestionService: ServiceDefinition = {
  name: 'ingestion',
  module: IngestionModule,
  collections: [{ name: 'blueprints' }, { name: 'ingestion_jobs' }],
};
