import { Inject, Injectable } from '@nestjs/common';
import { BlueprintIngestedV1, type IngestionAnnounceBlueprintV1 } from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { versionDocId } from '../domain/blueprint/blueprint-identity';
import { findBlueprintSecrets } from '../domain/blueprint/blueprint-secrets';
import { UnknownBlueprintVersionError } from './errors';
import { jobEvent, wholeVersionPayload } from './ingestion-events';
import { BlueprintRepository } from './ports';

/** What announcing needs. */
export interface AnnounceBlueprintDeps {
  readonly blueprints: BlueprintRepository;
  readonly clock: Clock;
  readonly envelopes: OutboxEnvelopes;
}

/**
 * `cmd.ingestion.announce_blueprint`: a finished version announced again, whole (`blueprint.ingested`
 * v1), from what is stored: for a consumer handed the version as a change (v2) to one it does not
 * hold, such as a planner restarted since. Correlated with the job that produced the version, as its
 * first announcement was. Announcing twice is harmless: consumers take a version they hold as a replay.
 * Throws UnknownBlueprintVersionError for a version not finished here (never retried).
 */
export async function announceBlueprintVersion(
  deps: AnnounceBlueprintDeps,
  command: IngestionAnnounceBlueprintV1,
): Promise<BlueprintIngestedV1> {
  const version = await deps.blueprints.version(command.blueprintId, command.version);
  if (!version || version.status === 'ingesting' || version.ingestedAt === undefined)
    throw new UnknownBlueprintVersionError(command.blueprintId, command.version);
  const versionId = versionDocId(command.blueprintId, command.version);
  const text = await deps.blueprints.textOf(versionId);
  const sections = await deps.blueprints.sectionsOf(versionId);
  const files = version.files;
  const payload = wholeVersionPayload(version, {
    jobId: command.jobId,
    title: version.title,
    ...(files ? { files } : {}),
    text,
    wordCount: version.wordCount,
    sections,
    // Found again rather than stored: the rules may have learned more since.
    secrets: findBlueprintSecrets(text, sections, {
      ...(files ? { files } : {}),
      ...(version.sourcePath !== undefined ? { label: version.sourcePath } : {}),
    }),
    changed: sections.filter((s) => s.changed).map((s) => s.id),
    ingestedAt: version.ingestedAt,
  });
  await deps.blueprints.announce([
    jobEvent(
      { envelopes: deps.envelopes, clock: deps.clock, projectId: version.projectId, jobId: command.jobId },
      BlueprintIngestedV1,
      payload,
    ),
  ]);
  return payload;
}

/** The use case as the bus handler calls it, wired by Nest. */
@Injectable()
export class AnnounceBlueprintUseCase {
  constructor(
    @Inject(BlueprintRepository) private readonly blueprints: BlueprintRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  execute(command: IngestionAnnounceBlueprintV1): Promise<BlueprintIngestedV1> {
    return announceBlueprintVersion(
      { blueprints: this.blueprints, clock: this.clock, envelopes: this.envelopes },
      command,
    );
  }
}
