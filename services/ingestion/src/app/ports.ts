import type { Doc, StoreTransaction } from '@autopilot/store';
import type { JobCheckpoint, JobState } from '../domain/job/ingestion-job';
import type { RejectionReason, RejectionSite } from '../domain/blueprint/blueprint-rejected-error';
import type { Section } from '../domain/sections/section-tree';
import type { SourceFile } from '../domain/blueprint/text-position';
import type { VersionStatus } from '../domain/blueprint/blueprint-version';

/** Reads and writes go through a store or an open transaction alike (both hand out collections). */
export type Collections = Pick<StoreTransaction, 'collection'>;

/** A blueprint: one per (project, name). Its versions are separate documents. */
export interface BlueprintRecord extends Doc {
  projectId: string;
  name: string;
  title: string;
  /** Newest version allocated (possibly still being written). */
  latestVersion: number;
  /** Newest version completely ingested; absent until the first one is. */
  currentVersion?: number;
  createdAt: string;
  updatedAt: string;
}

/** One version of a blueprint; its text is in chunks, its sections in batches. */
export interface BlueprintVersionRecord extends Doc {
  blueprintId: string;
  projectId: string;
  number: number;
  parentVersion?: number;
  status: VersionStatus;
  supersededBy?: number;
  digest: string;
  filesKey: string;
  files?: SourceFile[];
  title: string;
  sourcePath?: string;
  chars: number;
  wordCount: number;
  chunkCount: number;
  sectionCount: number;
  changedCount: number;
  jobId: string;
  createdAt: string;
  ingestedAt?: string;
}

/** At most `chunkChars` characters of a version's text; `_id` = `<versionId>:c<index>`. */
export interface BlueprintChunkRecord extends Doc {
  versionId: string;
  index: number;
  start: number;
  text: string;
}

/** A section as stored: the tree's section plus whether it is new or changed since the parent version. */
export interface StoredSection extends Section {
  changed: boolean;
}

/** A run of sections in document order; `_id` = `<versionId>:s<batch>`. Batches keep documents small and few. */
export interface SectionBatchRecord extends Doc {
  versionId: string;
  batch: number;
  from: number;
  sections: StoredSection[];
}

export interface JobError {
  code: string;
  reason: RejectionReason;
  message: string;
  site: RejectionSite;
}

/** What a finished job produced, kept on the job so a replayed command answers without work. */
export interface JobOutcome {
  blueprintId: string;
  version: number;
  parentVersion?: number;
  digest: string;
  sectionCount: number;
  changedCount: number;
  wordCount: number;
  reused: boolean;
}

/** A blueprint ingestion job; `_id` is the command's jobId. */
export interface IngestionJobRecord extends Doc {
  kind: 'blueprint';
  projectId: string;
  state: JobState;
  blueprintId: string;
  /** Version the job writes; absent for a job rejected before one was chosen. */
  version?: number;
  digest?: string;
  totalSections: number;
  checkpoint: JobCheckpoint;
  /** Sections done when progress was last announced. */
  lastReported: number;
  commandId?: string;
  error?: JobError;
  outcome?: JobOutcome;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** Blueprints, versions, chunks, section batches and jobs in the ingestion service's store. */
export interface BlueprintRepository {
  /** The job, or null. */
  getJob(db: Collections, jobId: string): Promise<IngestionJobRecord | null>;
  /** Inserts or replaces the job. */
  putJob(db: Collections, job: IngestionJobRecord): Promise<void>;
  getBlueprint(db: Collections, blueprintId: string): Promise<BlueprintRecord | null>;
  putBlueprint(db: Collections, blueprint: BlueprintRecord): Promise<void>;
  getVersion(db: Collections, blueprintId: string, version: number): Promise<BlueprintVersionRecord | null>;
  /** Inserts or replaces the version (`_id` from blueprint and number). */
  putVersion(db: Collections, version: BlueprintVersionRecord): Promise<void>;
  /** Upserts one chunk: writing the same chunk twice leaves one document. */
  putChunk(db: Collections, chunk: BlueprintChunkRecord): Promise<void>;
  /** Upserts one section batch: writing the same batch twice leaves one document. */
  putSectionBatch(db: Collections, batch: SectionBatchRecord): Promise<void>;
  /** Every stored section of a version, in document order. */
  sectionsOf(db: Collections, versionId: string): Promise<StoredSection[]>;
  /** The version's text, joined from its chunks. */
  textOf(db: Collections, versionId: string): Promise<string>;
}
export const BlueprintRepository = Symbol('BlueprintRepository');
