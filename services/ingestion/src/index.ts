/**
 * @autopilot/ingestion: Blueprints and ingestion jobs: turns submitted text and repositories into
 * `blueprint.ingested` and `repo.scanned`. Run by the runtime (`npx autopilot up` or
 * `npx autopilot service ingestion`).
 *
 *   const source = await readBlueprintSource('docs/plan'); // throws BlueprintRejectedError on bad input
 *   await bus.publish(IngestionSubmitBlueprintV1, submitBlueprintCommand(source, { jobId, projectId, requestedBy }));
 *   // ...then await `blueprint.ingested` (data.jobId === jobId) or `ingestion.progress` with phase 'failed'.
 */
import type { IngestionSubmitBlueprintV1, Actor } from '@autopilot/contracts';
import { declareInbox, declareOutbox, type DocumentStore } from '@autopilot/store';
import type { ServiceDefinition } from '@autopilot/runtime';
import { blueprintCollections } from './adapters/blueprint-repository';
import type { BlueprintSource } from './adapters/blueprint-files';
import { repoScanCollections } from './adapters/repo-scan-repository';
import { IngestionModule } from './ingestion.module';
import { AnnounceRefusedCommandUseCase } from './app/announce-refused-command';
import { projectRepositoryCollections } from './adapters/project-repository-registry';
import { ingestionSettings } from './ingestion-settings';

export { readBlueprintSource, type BlueprintSource } from './adapters/blueprint-files';
export { BlueprintRejectedError } from './domain/blueprint/blueprint-rejected-error';
export { REPO_ROOTS_ENV, type IngestionSettings } from './ingestion-settings';

/** What the runtime needs to host the ingestion service. */
export const ingestionService: ServiceDefinition = {
  name: 'ingestion',
  module: IngestionModule,
  collections: [...blueprintCollections, ...repoScanCollections, ...projectRepositoryCollections],
  settings: ingestionSettings,
  commandRefusals: AnnounceRefusedCommandUseCase,
};

/** Declares the outbox, inbox and ingestion collections on a store opened outside the runtime (tests, tools). */
export async function declareIngestionStore(store: DocumentStore): Promise<void> {
  await declareOutbox(store);
  await declareInbox(store);
  for (const spec of ingestionService.collections) await store.ensureCollection(spec);
}

/** The submit command for a blueprint read from disk. */
export function submitBlueprintCommand(
  source: BlueprintSource,
  fields: { jobId: string; projectId: string; requestedBy: Actor; blueprintId?: string },
): IngestionSubmitBlueprintV1 {
  const command: IngestionSubmitBlueprintV1 = {
    jobId: fields.jobId,
    projectId: fields.projectId,
    title: source.title,
    name: source.name,
    format: 'markdown',
    text: source.text,
    sourcePath: source.sourcePath,
    requestedBy: fields.requestedBy,
  };
  if (source.files) command.files = source.files;
  if (fields.blueprintId !== undefined) command.blueprintId = fields.blueprintId;
  return command;
}
