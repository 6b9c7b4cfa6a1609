import type { Envelope, Failure } from '@autopilot/contracts';
import type { Doc, RevisionedDoc } from '@autopilot/store';
import type { JobCheckpoint, JobState, JobSteps } from '../domain/job/ingestion-job';
import type { RejectionReason, RejectionSite } from '../domain/blueprint/blueprint-rejected-error';
import type { Section, TreeMemo } from '../domain/sections/section-tree';
import type { SourceFile } from '../domain/blueprint/text-position';
import type { VersionStatus } from '../domain/blueprint/blueprint-version';
import type { BlueprintSecretScan } from '../domain/blueprint/blueprint-secrets';
import type { TextChecks } from '../domain/blueprint/blueprint-source';
import type { StoredBlocks } from '../domain/sections/stored-blocks';
import type { StoredChange, StoredSectionEntry } from '../domain/blueprint/stored-change';
import type { RepoScanResult } from '../domain/repo-scan/repo-scan';
import type { ManifestFile, RepoSnapshot } from '../domain/repo-scan/repo-snapshot';

/**
 * A blueprint: one per (project, name). Its versions are separate documents. Blueprints, versions
 * and jobs are written by compare-and-set: `version` is a record's store revision, not to be
 * confused with a blueprint version's `number`.
 */
export interface BlueprintRecord extends RevisionedDoc {
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

/**
 * One version of a blueprint; its text is in chunks, its sections in batches: whole, or as a change
 * to its parent (`storedAsChange`).
 */
export interface BlueprintVersionRecord extends RevisionedDoc {
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
  /**
   * Set when the version is stored as a change to its parent: its chunks hold only the text that
   * replaced a span of the parent's, its batches runs of the parent's sections for those it kept.
   * Absent (every version stored before it existed): stored whole.
   */
  storedAsChange?: StoredChange;
}

/**
 * At most `chunkChars` characters of a version's text (of the text its change inserted, for a version
 * stored as a change); `_id` = `<versionId>:c<index>`.
 */
export interface BlueprintChunkRecord extends Doc {
  versionId: string;
  index: number;
  /** Offset of the chunk in what the chunks make up. */
  start: number;
  text: string;
}

/** A section as stored: the tree's section plus whether it is new or changed since the parent version. */
export interface StoredSection extends Section {
  changed: boolean;
}

/**
 * A run of sections in document order; `_id` = `<versionId>:s<batch>`. Batches keep documents small
 * and few. A version stored as a change gives the sections it keeps from its parent as runs of them.
 */
export interface SectionBatchRecord extends Doc {
  versionId: string;
  batch: number;
  from: number;
  sections: StoredSectionEntry<StoredSection>[];
}

/**
 * What a one-file version's parse leaves for the next beside its text and sections, so a process
 * that did not parse it re-lexes only what the next version changed; `_id` = `<versionId>:b`.
 * Versions stored before it existed, or whose record would be too large, have none.
 */
export interface BlueprintBlocksRecord extends Doc {
  versionId: string;
  blocks: StoredBlocks;
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
export interface IngestionJobRecord extends RevisionedDoc {
  kind: 'blueprint';
  projectId: string;
  state: JobState;
  blueprintId: string;
  /** The blueprint version the job writes; absent for a job rejected before one was chosen. */
  blueprintVersion?: number;
  digest?: string;
  totalSections: number;
  checkpoint: JobCheckpoint;
  /**
   * The step sizes the job started with, which it resumes with too. Absent on jobs recorded before
   * they were stored: those resume with the process's own.
   */
  steps?: JobSteps;
  /** Sections done when progress was last announced. */
  lastReported: number;
  commandId?: string;
  error?: JobError;
  outcome?: JobOutcome;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** What one step of a blueprint job writes, with the job itself. */
export interface BlueprintChange {
  /** The job as it should be stored; its `version` is the revision it was loaded with. */
  readonly job: IngestionJobRecord;
  readonly blueprint?: BlueprintRecord;
  readonly versions?: readonly BlueprintVersionRecord[];
  readonly chunks?: readonly BlueprintChunkRecord[];
  readonly sectionBatches?: readonly SectionBatchRecord[];
  readonly blocks?: BlueprintBlocksRecord;
}

/** Blueprints, versions, chunks, section batches and jobs in the ingestion service's store. */
export interface BlueprintRepository {
  /** The job, or null. */
  job(jobId: string): Promise<IngestionJobRecord | null>;
  blueprint(blueprintId: string): Promise<BlueprintRecord | null>;
  version(blueprintId: string, number: number): Promise<BlueprintVersionRecord | null>;
  /** Every stored section of a version, in document order. */
  sectionsOf(versionId: string): Promise<StoredSection[]>;
  /** The version's text, joined from its chunks. */
  textOf(versionId: string): Promise<string>;
  /** What the version's parse left for the next (BlueprintBlocksRecord), or undefined when none was stored. */
  blocksOf(versionId: string): Promise<StoredBlocks | undefined>;
  /**
   * Writes one step in one transaction, with `events` in the outbox: the job, the blueprint and
   * the versions by compare-and-set on the revision they were loaded with (absent: must be new),
   * chunks, section batches and blocks as upserts of their deterministic ids. Returns the job as stored.
   * Rejects with StoreRevisionConflictError when any of them changed meanwhile: nothing written.
   */
  commit(change: BlueprintChange, events: readonly Envelope[]): Promise<IngestionJobRecord>;
  /** Appends `events` alone, recording the message being handled: a version announced again. */
  announce(events: readonly Envelope[]): Promise<void>;
}
export const BlueprintRepository = Symbol('BlueprintRepository');

/** The last parse of a one-file blueprint: its text's digest, and what the next parse reuses. */
export interface RecentParse {
  readonly digest: string;
  readonly memo: TreeMemo;
  /** The secret scan of the memo's text: the next version scans only around its edit. */
  readonly secrets?: BlueprintSecretScan;
  /** What checking the memo's text measured: the next version checks only around its edit. */
  readonly checks?: TextChecks;
}

/**
 * The parses of the blueprints this process parsed last, by blueprint id, so the next version of
 * one re-lexes and re-hashes only what changed, and compares its sections with the parent's without
 * reading them back (when the parent's digest is the one parsed). A cache: empty after a restart,
 * never needed to be right.
 */
export interface RecentBlueprintBlocks {
  get(blueprintId: string): RecentParse | undefined;
  set(blueprintId: string, parse: RecentParse): void;
}
export const RecentBlueprintBlocks = Symbol('RecentBlueprintBlocks');

/** What an earlier scan of the same repository offers a new one: manifests already read, by hash. */
export interface PreviousRepoRead {
  readonly manifests: readonly ManifestFile[];
}

export interface RepoReadOptions {
  /**
   * Branch, tag or commit to read (its committed tree). Absent: the working tree as it is on disk
   * (tracked files in a git repository, every file otherwise).
   */
  readonly ref?: string;
  /** A manifest whose path and hash match one here is taken from it instead of being read again. */
  readonly previous?: PreviousRepoRead;
}

export interface RepoRead {
  readonly snapshot: RepoSnapshot;
  /** Manifests read from disk or git in this call. */
  readonly manifestsRead: number;
  /** Manifests taken from `previous` unchanged. */
  readonly manifestsReused: number;
}

/** Reads a repository into a snapshot: every file's content hash and size, the texts a scan needs. */
export interface RepoReader {
  /**
   * Lists the repository's files with their hashes and reads its manifests (only those whose hash
   * differs from `previous`). Throws a RepoScanError: `badInput` ones (missing path, not a
   * directory, unknown ref, remote location, too large) will fail the same way again.
   */
  read(location: string, options?: RepoReadOptions): Promise<RepoRead>;
}
export const RepoReader = Symbol('RepoReader');

interface RepoScanRecordBase extends RevisionedDoc {
  /** The scan job id. */
  _id: string;
  projectId: string;
  /** The location as the command gave it: scans of one location reuse each other. */
  repoKey: string;
  ref: string;
  /** The command's envelope id. */
  causationId: string;
  /** ISO-8601, when the job finished. */
  scannedAt: string;
}

/** A finished scan: what `repo.scanned` announced, and the manifests a later scan may reuse. */
export interface SucceededRepoScan extends RepoScanRecordBase {
  status: 'succeeded';
  commit: string;
  formatVersion: number;
  snapshotHash: string;
  result: RepoScanResult;
  manifests: ManifestFile[];
  /** Set when this job reused an earlier job's result (same snapshot hash). */
  reusedFromJobId?: string;
}

/** A scan that failed for good (bad location or ref): replays of the job fail the same way, silently. */
export interface FailedRepoScan extends RepoScanRecordBase {
  status: 'failed';
  error: Failure;
}

/** One scan job's outcome, `_id` = job id: stored once, so a replayed command finds it. */
export type RepoScanRecord = SucceededRepoScan | FailedRepoScan;

/** Repository scan jobs in the ingestion service's store. */
export interface RepoScanRepository {
  /** The job's record, or null while the job has not finished. */
  job(jobId: string): Promise<RepoScanRecord | null>;
  /** The most recent successful scan of a location (`repoKey`), or undefined. */
  latestSucceeded(repoKey: string): Promise<SucceededRepoScan | undefined>;
  /**
   * Stores `next` by compare-and-set on `expectedVersion` (0: the job has no record yet) and appends
   * `events` to the outbox, in one transaction; returns the record as stored. Rejects with
   * StoreRevisionConflictError when the record changed meanwhile (a concurrent delivery of the same
   * job finished first): nothing written.
   */
  commit(next: RepoScanRecord, expectedVersion: number, events: readonly Envelope[]): Promise<RepoScanRecord>;
}
export const RepoScanRepository = Symbol('RepoScanRepository');

/** Resolves local paths on this machine (the repository-location check needs real paths). */
export interface LocalPaths {
  /** The path with `..` and every symlink resolved, or undefined when nothing exists there. */
  realPath(path: string): Promise<string | undefined>;
}
export const LocalPaths = Symbol('LocalPaths');

/**
 * The repository each project scans: the location its first successful scan read. Ingestion keeps
 * it until a project registry exists (the manager's, a later issue), so a message cannot point a
 * project at another repository on the host.
 */
export interface ProjectRepositories {
  /** The project's registered location, or undefined before its first scan. */
  registered(projectId: string): Promise<string | undefined>;
  /**
   * Registers `location` for the project unless one is registered already (the first wins, also
   * against a concurrent scan); returns the location registered afterwards.
   */
  register(projectId: string, location: string, jobId: string): Promise<string>;
}
export const ProjectRepositories = Symbol('ProjectRepositories');

/** Injection token: the local roots a scan may read (ingestion settings). */
export const REPO_ROOTS = Symbol('REPO_ROOTS');
