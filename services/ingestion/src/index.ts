/**
 * @autopilot/ingestion: Blueprints and ingestion jobs: turns submitted text and repositories into
 * `blueprint.ingested` and `repo.scanned`. Run by the runtime (`npx autopilot up` or
 * `npx autopilot service ingestion`); the CLI may also run the same blueprint code path in-process.
 *
 *   const source = await readBlueprintSource('docs/plan'); // throws BlueprintRejectedError on bad input
 *   await bus.publish(IngestionSubmitBlueprintV1, submitBlueprintCommand(source, { jobId, projectId, requestedBy }));
 *   // ...then await `blueprint.ingested` (data.jobId === jobId) or `ingestion.progress` with phase 'failed'.
 */
import type { IngestionSubmitBlueprintV1, Actor } from '@autopilot/contracts';
import { systemClock, ulidSource, type Clock, type IdSource } from '@autopilot/kernel';
import { declareInbox, declareOutbox, type DocumentStore } from '@autopilot/store';
import type { ServiceDefinition } from '@autopilot/runtime';
import { blueprintCollections, DocumentBlueprintRepository } from './adapters/blueprint-repository';
import type { BlueprintSource } from './adapters/blueprint-files';
import type { IngestionOptions } from './app/ingestion-options';
import { runBlueprintIngestion, type IngestOutcome } from './app/run-blueprint-ingestion';
import { repoScansCollection } from './app/repo-scan-records';
import { IngestionModule } from './ingestion.module';

export { IngestionModule };
export { readBlueprintSource, type BlueprintSource } from './adapters/blueprint-files';
export {
  BlueprintRejectedError,
  RejectionReason,
  type RejectionSite,
} from './domain/blueprint/blueprint-rejected-error';
export { DEFAULT_MAX_BLUEPRINT_BYTES, type BlueprintLimits } from './domain/blueprint/blueprint-source';
export { sectionsFromMarkdown, type Section, type SectionTree } from './domain/sections/section-tree';
export { defaultIngestionOptions, type IngestionOptions } from './app/ingestion-options';
export type { IngestOutcome } from './app/run-blueprint-ingestion';
export { IngestionJobConflictError } from './app/errors';
// Repository scans, in-process for the CLI (`--repo`) and the planner's gap scanner.
export { scanRepository, type ScanRepositoryOptions } from './scan-repository';
export { describeRepository, type RepoScan } from './domain/repo-scan/repo-scan';
export type { RepoSnapshot, ManifestFile } from './domain/repo-scan/repo-snapshot';
export type { DetectedToolchain, ToolchainName } from './domain/toolchains/toolchain-types';
export {
  RepoScanError,
  RepoNotFoundError,
  RepoNotADirectoryError,
  RepoNotGitError,
  RepoRefNotFoundError,
  RepoLocationUnsupportedError,
  RepoTooLargeError,
  RepoReadError,
} from './domain/repo-scan/repo-scan-errors';

/** What the runtime needs to host the ingestion service. */
export const ingestionService: ServiceDefinition = {
  name: 'ingestion',
  module: IngestionModule,
  collections: [...blueprintCollections, repoScansCollection],
};

/** Declares the outbox, inbox and ingestion collections on a store the CLI opened itself. */
export async function declareIngestionStore(store: DocumentStore): Promise<void> {
  await declareOutbox(store);
  await declareInbox(store);
  for (const spec of ingestionService.collections) await store.ensureCollection(spec);
}

/**
 * The service's blueprint path, in-process: the same job, store writes and outbox entries as a
 * `cmd.ingestion.submit_blueprint` delivery (a relay, if one runs on `store`, publishes them). Bad
 * input resolves `{ status: 'rejected', error }` (exit 2 in the CLI); store failures reject, and a
 * second call with the same job id resumes the job.
 */
export function ingestBlueprint(
  deps: { store: DocumentStore; clock?: Clock; ids?: IdSource; options?: Partial<IngestionOptions> },
  command: IngestionSubmitBlueprintV1,
  meta: { commandId?: string; onStep?: () => void } = {},
): Promise<IngestOutcome> {
  return runBlueprintIngestion(
    {
      store: deps.store,
      repository: new DocumentBlueprintRepository(),
      clock: deps.clock ?? systemClock,
      ids: deps.ids ?? ulidSource(),
      ...(deps.options ? { options: deps.options } : {}),
    },
    { command, ...meta },
  );
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
