import {
  IngestionProgressV1,
  type BlueprintFile,
  type BlueprintIngestedV1,
  type BlueprintSecretFinding,
  type Envelope,
  type IngestionWarning,
  type MessageDef,
  type PayloadOf,
} from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import type { OutboxEnvelopes } from '@autopilot/runtime';
import { SECRET_RULES_VERSION } from '@autopilot/secret-scan';
import { memoSection, type MemoSection } from '../domain/sections/section-tree';
import type { BlueprintVersionRecord } from './ports';

/** What the events of one job share: correlated with the job (causation: the command being handled). */
export interface JobEvents {
  readonly envelopes: OutboxEnvelopes;
  readonly clock: Clock;
  readonly projectId: string;
  readonly jobId: string;
}

export function jobEvent<D extends MessageDef>(
  job: JobEvents,
  def: D,
  data: PayloadOf<D>,
): Envelope<PayloadOf<D>> {
  return job.envelopes.build(def, data, { projectId: job.projectId, correlationId: job.jobId });
}

export type ProgressPhase = IngestionProgressV1['phase'];

export function progressEvent(
  job: JobEvents,
  fields: {
    phase: ProgressPhase;
    done: number;
    total?: number;
    blueprintId?: string;
    error?: { code: string; message: string };
    warnings?: IngestionWarning[];
    ingested?: IngestionProgressV1['ingested'];
  },
): Envelope<IngestionProgressV1> {
  return jobEvent(job, IngestionProgressV1, {
    jobId: job.jobId,
    projectId: job.projectId,
    jobKind: 'blueprint',
    ...fields,
    at: job.clock.isoNow(),
  });
}

/** The summary of an announced version that the job's final progress event carries. */
export function ingestedSummary(
  whole: Pick<BlueprintIngestedV1, 'version' | 'digest' | 'wordCount'>,
): NonNullable<IngestionProgressV1['ingested']> {
  return { version: whole.version, digest: whole.digest, wordCount: whole.wordCount };
}

/** What a version is announced with besides its record: its text, sections and what was found in it. */
export interface VersionContent {
  readonly jobId: string;
  readonly title: string;
  readonly files?: readonly BlueprintFile[];
  readonly text: string;
  readonly wordCount: number;
  readonly sections: readonly MemoSection[];
  /**
   * `sections.map(memoSection)` when the caller holds it already (a one-file parse's memo): a copy
   * of 19.5k sections, made twice per version, was 9-20 ms of re-ingesting after a one-section edit.
   */
  readonly memoSections?: readonly MemoSection[];
  readonly secrets: readonly BlueprintSecretFinding[];
  /** Sections new or changed since the parent version. */
  readonly changed: readonly string[];
  readonly ingestedAt: string;
}

/** `blueprint.ingested` v1 of a version: the version whole. */
export function wholeVersionPayload(
  version: BlueprintVersionRecord,
  content: VersionContent,
): BlueprintIngestedV1 {
  const payload: BlueprintIngestedV1 = {
    blueprintId: version.blueprintId,
    projectId: version.projectId,
    version: version.number,
    jobId: content.jobId,
    title: content.title,
    format: 'markdown',
    digest: version.digest,
    text: content.text,
    wordCount: content.wordCount,
    // A memo section is the section as the contract carries it: no heading path (parent links rebuild it).
    sections: content.memoSections ? content.memoSections.slice() : content.sections.map(memoSection),
    changedSectionIds: [...content.changed],
    ingestedAt: content.ingestedAt,
  };
  if (version.parentVersion !== undefined) payload.parentVersion = version.parentVersion;
  if (content.files) payload.files = [...content.files];
  if (content.secrets.length > 0) {
    payload.secretFindings = [...content.secrets];
    payload.secretRulesVersion = SECRET_RULES_VERSION;
  }
  return payload;
}
