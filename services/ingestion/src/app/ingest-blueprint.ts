import {
  BlueprintIngestedV1,
  BlueprintIngestedV2,
  blueprintIngestedChange,
  type BlueprintSecretFinding,
  type IngestionSubmitBlueprintV1,
} from '@autopilot/contracts';
import { nextTurn, sha256Hex, type Clock } from '@autopilot/kernel';
import type { OutboxEnvelopes } from '@autopilot/runtime';
import { blueprintIdFor, versionDocId } from '../domain/blueprint/blueprint-identity';
import { parseBlueprint, type ParsedBlueprint } from '../domain/blueprint/blueprint-parse';
import { BlueprintRejectedError } from '../domain/blueprint/blueprint-rejected-error';
import {
  MAX_SECRET_WARNINGS,
  scanBlueprintSecrets,
  secretScanToKeep,
  secretWarning,
  type BlueprintSecretScan,
} from '../domain/blueprint/blueprint-secrets';
import { decideFinish, decideVersion, filesKeyOf } from '../domain/blueprint/blueprint-version';
import {
  afterStep,
  chunkEnds,
  nextStep,
  progressDue,
  type JobPlan,
  type JobStep,
  type JobSteps,
} from '../domain/job/ingestion-job';
import { textEdit } from '../domain/sections/section-blocks';
import type { MemoSection, Section } from '../domain/sections/section-tree';
import {
  keptParentIndexes,
  storedChangeOf,
  storedSectionEntries,
  type StoredChange,
} from '../domain/blueprint/stored-change';
import { changedSinceParent } from '../domain/sections/section-changes';
import { IngestionJobConflictError } from './errors';
import {
  ingestedSummary,
  jobEvent,
  progressEvent,
  wholeVersionPayload,
  type JobEvents,
} from './ingestion-events';
import { defaultIngestionOptions, type IngestionOptions } from './ingestion-options';
import { blocksRecordOf, restoreParse, type RestoredParse } from './stored-parse';
import type {
  BlueprintChange,
  BlueprintRepository,
  BlueprintVersionRecord,
  IngestionJobRecord,
  JobOutcome,
  RecentBlueprintBlocks,
  RecentParse,
  SectionBatchRecord,
  StoredSection,
} from './ports';

/** What ingesting needs; the service module injects them. */
export interface IngestionDeps {
  readonly blueprints: BlueprintRepository;
  readonly clock: Clock;
  readonly envelopes: OutboxEnvelopes;
  readonly options?: Partial<IngestionOptions>;
  /**
   * The last parses of blueprints: a new version re-lexes only what changed. Without one held for
   * a blueprint, the parse of its current version is rebuilt from the store when it stored what
   * that takes. Optional: without it every version is lexed whole.
   */
  readonly recentBlocks?: RecentBlueprintBlocks;
}

export interface SubmitBlueprintRequest {
  readonly command: IngestionSubmitBlueprintV1;
  /** Called after every stored step (the handler tells the bus it is still working). */
  readonly onStep?: () => void;
}

export type IngestOutcome =
  | (JobOutcome & {
      status: 'ingested';
      jobId: string;
      changedSectionIds: string[];
      /**
       * The `blueprint.ingested` payload, when this call produced it (not for an already finished
       * job): v1, the version whole, or v2, the version as a change to its parent (see `announcement`).
       */
      ingested?: BlueprintAnnouncement;
    })
  | { status: 'rejected'; jobId: string; error: BlueprintRejectedError };

/** What `blueprint.ingested` announced: the version whole (v1) or as a change to its parent (v2). */
export type BlueprintAnnouncement =
  | { readonly version: 1; readonly payload: BlueprintIngestedV1 }
  | { readonly version: 2; readonly payload: BlueprintIngestedV2 };

/**
 * A parsed blueprint and the secret-shaped text in it (announced as findings, warned about), with
 * the scan the next version's scan starts from.
 */
type ScannedBlueprint = ParsedBlueprint & {
  readonly secrets: readonly BlueprintSecretFinding[];
  readonly secretScan: BlueprintSecretScan;
};

/** One job in progress: what every step needs. */
interface JobRun {
  readonly deps: IngestionDeps;
  readonly options: IngestionOptions;
  readonly command: IngestionSubmitBlueprintV1;
  readonly events: JobEvents;
  readonly blueprintId: string;
}

/**
 * Ingests one submitted blueprint as a resumable job (DESIGN.md section 4):
 * 1. a finished job answers from its record, writing nothing;
 * 2. validate and parse in memory (bad input: the job is recorded failed and announced, nothing else);
 * 3. start the job (pick the version: the same text twice is one version) or resume it;
 * 4. store the text in chunks and the sections in batches, one commit and checkpoint per step;
 * 5. finish: mark the version current (superseding its parent) and announce `blueprint.ingested`.
 * Called again with the same job id it resumes after the last stored step.
 */
export async function ingestSubmittedBlueprint(
  deps: IngestionDeps,
  request: SubmitBlueprintRequest,
): Promise<IngestOutcome> {
  const { command } = request;
  const known = await deps.blueprints.job(command.jobId);
  if (known && (known.state === 'succeeded' || known.state === 'failed')) return answerFinished(deps, known);

  const run: JobRun = {
    deps,
    options: { ...defaultIngestionOptions, ...deps.options },
    command,
    events: {
      envelopes: deps.envelopes,
      clock: deps.clock,
      projectId: command.projectId,
      jobId: command.jobId,
    },
    blueprintId:
      command.blueprintId ??
      blueprintIdFor(command.projectId, command.name ?? command.sourcePath ?? command.title, sha256Hex),
  };
  // One-file blueprints only: a directory's files are lexed each on their own.
  const carried = command.files ? undefined : deps.recentBlocks?.get(run.blueprintId);
  // A process that parsed no version of it (a second `autopilot plan` run) rebuilds the current
  // version's parse from the store. Only a parse carried in memory makes a v2 announcement: the
  // consumers beside this process hold no parent either.
  const restored =
    command.files || carried || !deps.recentBlocks
      ? undefined
      : await restoreParse(deps.blueprints, run.blueprintId);
  const previous = carried ?? restored?.parse;
  let parsed: ScannedBlueprint;
  try {
    parsed = parseSubmitted(run, previous);
  } catch (err) {
    if (!(err instanceof BlueprintRejectedError)) throw err;
    await recordRejection(run, err);
    return { status: 'rejected', jobId: command.jobId, error: err };
  }
  // Parsing a large blueprint is most of a second of synchronous work, and so is storing it: a turn
  // of the event loop after each keeps the process answering (a SIGINT, a health probe).
  await nextTurn();
  const digest = sha256Hex(parsed.text);
  if (parsed.memo) {
    const secrets = secretScanToKeep(parsed.secretScan);
    deps.recentBlocks?.set(run.blueprintId, {
      digest,
      memo: parsed.memo,
      ...(secrets ? { secrets } : {}),
      checks: parsed.checks,
    });
  }

  let job: IngestionJobRecord;
  if (known) {
    if (known.digest !== digest) throw new IngestionJobConflictError(known._id, known.digest ?? '', digest);
    job = known;
  } else {
    const started = await startJob(run, parsed, digest, previous);
    if (started.kind === 'reused') return started.outcome;
    job = started.job;
  }
  const version = await deps.blueprints.version(run.blueprintId, job.blueprintVersion as number);
  if (!version) throw new Error(`version ${job.blueprintVersion} of job ${job._id} is missing`);
  const parent = await parentInMemory(run, version.parentVersion, carried);
  const parentSections = await parentSectionsOf(run, version, parent, restored);
  const changed = changedSinceParent(parentSections, parsed.sections);
  job = await storeSteps(
    run,
    job,
    version,
    parsed,
    { changed: new Set(changed), parentSections },
    request.onStep,
  );
  await nextTurn();
  return finishJob(run, job, version, parsed, changed, parent);
}

function parseSubmitted({ command, options, blueprintId }: JobRun, previous?: RecentParse): ScannedBlueprint {
  const parsed = parseBlueprint(command.text, {
    hash: sha256Hex,
    scope: blueprintId,
    maxBytes: options.maxBytes,
    maxNesting: options.maxNesting,
    ...(command.files ? { files: command.files } : {}),
    ...(command.sourcePath !== undefined ? { label: command.sourcePath } : {}),
    ...(previous ? { previous: previous.memo } : {}),
    ...(previous?.checks ? { previousChecks: previous.checks } : {}),
  });
  // Found while ingesting, so the job can warn and the planner can keep them out of what it derives;
  // after an edit, scanned only around it.
  const earlier =
    previous?.secrets && !command.files
      ? {
          text: previous.memo.blocks.text,
          scan: previous.secrets,
          edit: textEdit(previous.memo.blocks.text, parsed.text),
        }
      : undefined;
  const { findings, scan } = scanBlueprintSecrets(
    parsed.text,
    parsed.sections,
    {
      ...(command.files ? { files: command.files } : {}),
      ...(command.sourcePath !== undefined ? { label: command.sourcePath } : {}),
    },
    earlier,
  );
  return { ...parsed, secrets: findings, secretScan: scan };
}

/** The warnings of a finished job: one per secret found (the first MAX_SECRET_WARNINGS). */
function warningsOf(parsed: ScannedBlueprint): { warnings?: ReturnType<typeof secretWarning>[] } {
  if (parsed.secrets.length === 0) return {};
  return { warnings: parsed.secrets.slice(0, MAX_SECRET_WARNINGS).map(secretWarning) };
}

/**
 * The sections of the version's parent (none for a first version): from its parse in memory or
 * rebuilt from the store when there is one, else read back from the store.
 */
async function parentSectionsOf(
  run: JobRun,
  version: BlueprintVersionRecord,
  parent: ParentInMemory | undefined,
  restored: RestoredParse | undefined,
): Promise<readonly MemoSection[] | undefined> {
  if (version.parentVersion === undefined) return undefined;
  return (
    parent?.parse.memo.sections ??
    (restored?.version === version.parentVersion ? restored.parse.memo.sections : undefined) ??
    (await run.deps.blueprints.sectionsOf(versionDocId(run.blueprintId, version.parentVersion)))
  );
}

/** The parent version, parsed by this process: its number and that parse. */
interface ParentInMemory {
  readonly version: number;
  readonly parse: RecentParse;
}

/**
 * The parent version's parse in memory, when it is of the parent's text as one file (the same text
 * split in files has other section ids, so it is told apart by `filesKey`).
 */
async function parentInMemory(
  run: JobRun,
  parentVersion: number | undefined,
  previous: RecentParse | undefined,
): Promise<ParentInMemory | undefined> {
  if (!previous || parentVersion === undefined) return undefined;
  const parent = await run.deps.blueprints.version(run.blueprintId, parentVersion);
  const same = parent !== null && parent.digest === previous.digest && parent.filesKey === '';
  return same ? { version: parentVersion, parse: previous } : undefined;
}

/** A step's writes while they are being gathered. */
type ChangeDraft = { -readonly [K in keyof BlueprintChange]: BlueprintChange[K] };

type Started = { kind: 'started'; job: IngestionJobRecord } | { kind: 'reused'; outcome: IngestOutcome };

/**
 * Picks the version and records the running job in one commit. A version already holding this text
 * finishes the job at once. A concurrent job that allocated a version first makes the commit fail
 * with a revision conflict: the bus redelivers the command and the decision is made again.
 */
async function startJob(
  run: JobRun,
  parsed: ScannedBlueprint,
  digest: string,
  previous: RecentParse | undefined,
): Promise<Started> {
  const { deps, command, blueprintId } = run;
  const now = deps.clock.isoNow();
  const filesKey = filesKeyOf(command.files);
  const blueprint = await deps.blueprints.blueprint(blueprintId);
  const latest = blueprint ? await deps.blueprints.version(blueprintId, blueprint.latestVersion) : null;
  const decision = decideVersion(
    latest
      ? { number: latest.number, digest: latest.digest, filesKey: latest.filesKey, status: latest.status }
      : undefined,
    blueprint?.currentVersion,
    digest,
    filesKey,
  );
  const job: IngestionJobRecord = {
    _id: command.jobId,
    kind: 'blueprint',
    projectId: command.projectId,
    state: 'running',
    blueprintId,
    blueprintVersion: decision.version,
    digest,
    totalSections: parsed.sections.length,
    checkpoint: { chunksStored: 0, sectionsStored: 0 },
    steps: stepsOf(run.options),
    lastReported: 0,
    createdAt: now,
    updatedAt: now,
  };
  if (decision.kind === 'reuse' && latest) return reuseVersion(run, job, latest, parsed, now);

  const change: ChangeDraft = { job };
  if (decision.kind === 'create') {
    const storedAs = await storedAsChange(run, decision.parentVersion, parsed, previous);
    change.versions = [newVersionRecord(run, parsed, digest, filesKey, decision, now, storedAs)];
    change.blueprint = blueprint
      ? { ...blueprint, latestVersion: decision.version, title: command.title, updatedAt: now }
      : {
          _id: blueprintId,
          projectId: command.projectId,
          name: command.name ?? command.sourcePath ?? command.title,
          title: command.title,
          latestVersion: decision.version,
          createdAt: now,
          updatedAt: now,
        };
  }
  const stored = await deps.blueprints.commit(change, [
    progressEvent(run.events, { phase: 'parsing', done: 0, total: parsed.sections.length, blueprintId }),
  ]);
  return { kind: 'started', job: stored };
}

/** The newest version already holds this text, complete: the job succeeds at once and announces it again. */
async function reuseVersion(
  run: JobRun,
  job: IngestionJobRecord,
  latest: BlueprintVersionRecord,
  parsed: ScannedBlueprint,
  now: string,
): Promise<Started> {
  const changed = (await run.deps.blueprints.sectionsOf(latest._id))
    .filter((s) => s.changed)
    .map((s) => s.id);
  const outcome = outcomeOf(latest, true);
  const ingested = ingestedPayload(run.command, latest, parsed, changed, latest.ingestedAt ?? now);
  await run.deps.blueprints.commit(
    {
      job: {
        ...job,
        state: 'succeeded',
        checkpoint: { chunksStored: latest.chunkCount, sectionsStored: latest.sectionCount },
        lastReported: latest.sectionCount,
        outcome,
        finishedAt: now,
      },
    },
    [
      progressEvent(run.events, {
        phase: 'done',
        done: latest.sectionCount,
        total: latest.sectionCount,
        blueprintId: run.blueprintId,
        ingested: ingestedSummary(ingested),
        ...warningsOf(parsed),
      }),
      jobEvent(run.events, BlueprintIngestedV1, ingested),
    ],
  );
  return {
    kind: 'reused',
    outcome: {
      status: 'ingested',
      jobId: job._id,
      ...outcome,
      changedSectionIds: changed,
      ingested: { version: 1, payload: ingested },
    },
  };
}

/**
 * How a new version is stored: as a change to its parent when this process holds the parent's parse
 * (in memory or rebuilt from the store), the parent is one file and finished, and the change is
 * small (StoredChange); undefined: whole.
 */
async function storedAsChange(
  run: JobRun,
  parentVersion: number | undefined,
  parsed: ParsedBlueprint,
  previous: RecentParse | undefined,
): Promise<StoredChange | undefined> {
  if (parentVersion === undefined || !previous || run.command.files) return undefined;
  const parent = await run.deps.blueprints.version(run.blueprintId, parentVersion);
  if (!parent || parent.digest !== previous.digest || parent.filesKey !== '' || parent.status === 'ingesting')
    return undefined;
  const depth = parent.storedAsChange?.depth ?? 0;
  return storedChangeOf(previous.memo.blocks.text, parsed.text, parentVersion, depth);
}

/** What a version's chunks hold: its text, or the text its change inserted. */
function storedText(text: string, change: StoredChange | undefined): string {
  return change ? text.slice(change.start, change.insertedEnd) : text;
}

function newVersionRecord(
  run: JobRun,
  parsed: ParsedBlueprint,
  digest: string,
  filesKey: string,
  decision: { version: number; parentVersion?: number },
  now: string,
  storedAs: StoredChange | undefined,
): BlueprintVersionRecord {
  const { command, blueprintId, options } = run;
  const record: BlueprintVersionRecord = {
    _id: versionDocId(blueprintId, decision.version),
    blueprintId,
    projectId: command.projectId,
    number: decision.version,
    status: 'ingesting',
    digest,
    filesKey,
    title: command.title,
    chars: parsed.text.length,
    wordCount: parsed.wordCount,
    chunkCount: chunkEnds(storedText(parsed.text, storedAs), options.chunkChars).length,
    sectionCount: parsed.sections.length,
    changedCount: 0,
    jobId: command.jobId,
    createdAt: now,
  };
  if (decision.parentVersion !== undefined) record.parentVersion = decision.parentVersion;
  if (command.files) record.files = command.files;
  if (command.sourcePath !== undefined) record.sourcePath = command.sourcePath;
  if (storedAs) record.storedAsChange = storedAs;
  return record;
}

/** What the section batches are stored with: which sections changed, and the parent's sections. */
interface SectionsToStore {
  readonly changed: ReadonlySet<string>;
  readonly parentSections: readonly MemoSection[] | undefined;
}

/** What one job's steps write: the text its chunks hold, and its sections as stored. */
interface VersionWrites {
  readonly versionId: string;
  readonly chunkText: string;
  readonly sections: (from: number, to: number) => SectionBatchRecord['sections'];
}

/**
 * The writes of a version: whole, or as the change to its parent its record names (the sections its
 * parent holds unchanged as runs of them, found once).
 */
function versionWrites(
  version: BlueprintVersionRecord,
  parsed: ParsedBlueprint,
  { changed, parentSections }: SectionsToStore,
): VersionWrites {
  const change = version.storedAsChange;
  const flagged = (s: Section, c: boolean): StoredSection => ({ ...s, changed: c });
  let kept: Int32Array | undefined;
  return {
    versionId: version._id,
    chunkText: storedText(parsed.text, change),
    sections: (from, to) => {
      if (!change) return parsed.sections.slice(from, to).map((s) => flagged(s, changed.has(s.id)));
      if (!parentSections)
        throw new Error(`version ${version._id} is a change to a version without sections`);
      kept ??= keptParentIndexes(parentSections, parsed.sections, changed, change);
      return storedSectionEntries(parsed.sections, kept, changed, from, to, flagged);
    },
  };
}

/** Step 4: every step not yet stored, each with the job's new checkpoint (and a progress event when due). */
async function storeSteps(
  run: JobRun,
  started: IngestionJobRecord,
  version: BlueprintVersionRecord,
  parsed: ParsedBlueprint,
  toStore: SectionsToStore,
  onStep: (() => void) | undefined,
): Promise<IngestionJobRecord> {
  const { options } = run;
  // As the job began: a process configured otherwise must not cut a resumed job differently.
  const steps = started.steps ?? stepsOf(options);
  const writes = versionWrites(version, parsed, toStore);
  const plan: JobPlan = {
    chunkEnds: chunkEnds(writes.chunkText, steps.chunkChars),
    sectionCount: parsed.sections.length,
    sectionsPerStep: steps.sectionsPerStep,
  };
  let job = started;
  for (
    let step = nextStep(plan, job.checkpoint);
    step.kind !== 'finish';
    step = nextStep(plan, job.checkpoint)
  ) {
    const checkpoint = afterStep(job.checkpoint, step);
    const due =
      step.kind === 'sections' &&
      progressDue(job.lastReported, checkpoint.sectionsStored, plan.sectionCount, options.progressSteps);
    const events = due
      ? [
          progressEvent(run.events, {
            phase: 'hashing',
            done: checkpoint.sectionsStored,
            total: plan.sectionCount,
            blueprintId: run.blueprintId,
          }),
        ]
      : [];
    job = await run.deps.blueprints.commit(
      {
        ...stepWrites(writes, step),
        job: {
          ...job,
          checkpoint,
          lastReported: due ? checkpoint.sectionsStored : job.lastReported,
          updatedAt: run.deps.clock.isoNow(),
        },
      },
      events,
    );
    onStep?.();
  }
  return job;
}

function stepsOf({ chunkChars, sectionsPerStep }: IngestionOptions): JobSteps {
  return { chunkChars, sectionsPerStep };
}

/** The chunk or section batch one step writes; ids follow the step, so a repeated step rewrites the same document. */
function stepWrites(
  writes: VersionWrites,
  step: Exclude<JobStep, { kind: 'finish' }>,
): Pick<BlueprintChange, 'chunks' | 'sectionBatches'> {
  const { versionId } = writes;
  switch (step.kind) {
    case 'chunk':
      return {
        chunks: [
          {
            _id: `${versionId}:c${step.index}`,
            versionId,
            index: step.index,
            start: step.start,
            text: writes.chunkText.slice(step.start, step.end),
          },
        ],
      };
    case 'sections':
      return {
        sectionBatches: [
          {
            _id: `${versionId}:s${step.batch}`,
            versionId,
            batch: step.batch,
            from: step.from,
            sections: writes.sections(step.from, step.to),
          },
        ],
      };
    default: {
      const unknown: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Step 5: the version becomes current (superseding the one before) or, when a newer version finished
 * first, history at once; the job succeeds; `blueprint.ingested` is announced.
 */
async function finishJob(
  run: JobRun,
  job: IngestionJobRecord,
  started: BlueprintVersionRecord,
  parsed: ScannedBlueprint,
  changed: string[],
  parent: ParentInMemory | undefined,
): Promise<IngestOutcome> {
  const { deps, blueprintId } = run;
  const now = deps.clock.isoNow();
  const blueprint = await deps.blueprints.blueprint(blueprintId);
  const version = (await deps.blueprints.version(blueprintId, started.number)) ?? started;
  const current =
    blueprint?.currentVersion === undefined
      ? undefined
      : await deps.blueprints.version(blueprintId, blueprint.currentVersion);
  const decision = decideFinish(
    version,
    blueprint?.currentVersion === undefined
      ? undefined
      : { number: blueprint.currentVersion, ...(current ? { status: current.status } : {}) },
  );
  const change: ChangeDraft = { job };
  // What a process that did not parse this version needs to re-lex only what the next one changes.
  const blocks = blocksRecordOf(version._id, run.command.files ? undefined : parsed.memo);
  if (blocks) change.blocks = blocks;
  let finished = version;
  switch (decision.kind) {
    case 'unchanged':
      break;
    case 'superseded':
      finished = { ...version, status: 'superseded', supersededBy: decision.supersededBy };
      break;
    case 'current':
      finished = { ...version, status: 'current' };
      if (decision.supersedes !== undefined && current) {
        change.versions = [{ ...current, status: 'superseded', supersededBy: version.number }];
      }
      if (blueprint) change.blueprint = { ...blueprint, currentVersion: version.number, updatedAt: now };
      break;
    default: {
      const unknown: never = decision;
      throw new Error(`unknown finish decision ${JSON.stringify(unknown)}`);
    }
  }
  if (finished !== version) {
    finished = { ...finished, changedCount: changed.length, ingestedAt: now };
    change.versions = [finished, ...(change.versions ?? [])];
  }
  const outcome = outcomeOf(finished, false);
  change.job = {
    ...job,
    state: 'succeeded',
    outcome,
    lastReported: parsed.sections.length,
    updatedAt: now,
    finishedAt: now,
  };
  const whole = ingestedPayload(run.command, finished, parsed, changed, finished.ingestedAt ?? now);
  const ingested = announcement(whole, parent);
  await deps.blueprints.commit(change, [
    progressEvent(run.events, {
      phase: 'done',
      done: parsed.sections.length,
      total: parsed.sections.length,
      blueprintId,
      ingested: ingestedSummary(whole),
      ...warningsOf(parsed),
    }),
    ingested.version === 2
      ? jobEvent(run.events, BlueprintIngestedV2, ingested.payload)
      : jobEvent(run.events, BlueprintIngestedV1, ingested.payload),
  ]);
  return { status: 'ingested', jobId: job._id, ...outcome, changedSectionIds: changed, ingested };
}

/** Bad input: the job is recorded failed with the reason and announced; nothing else is written. */
async function recordRejection(run: JobRun, error: BlueprintRejectedError): Promise<void> {
  const now = run.deps.clock.isoNow();
  const { command } = run;
  await run.deps.blueprints.commit(
    {
      job: {
        _id: command.jobId,
        kind: 'blueprint',
        projectId: command.projectId,
        state: 'failed',
        blueprintId: run.blueprintId,
        totalSections: 0,
        checkpoint: { chunksStored: 0, sectionsStored: 0 },
        lastReported: 0,
        error: { code: error.code, reason: error.reason, message: error.message, site: error.site },
        createdAt: now,
        updatedAt: now,
        finishedAt: now,
      },
    },
    [
      progressEvent(run.events, {
        phase: 'failed',
        done: 0,
        error: { code: `INGESTION_${error.reason}`, message: error.message.slice(0, 2000) },
      }),
    ],
  );
}

/** Step 1: a finished job called again: its outcome, read back, and nothing written or published. */
async function answerFinished(deps: IngestionDeps, job: IngestionJobRecord): Promise<IngestOutcome> {
  if (job.state === 'failed' || !job.outcome) {
    const e = job.error;
    return {
      status: 'rejected',
      jobId: job._id,
      error: new BlueprintRejectedError(e?.reason ?? 'EMPTY', e?.message ?? 'rejected', e?.site ?? {}),
    };
  }
  const versionId = versionDocId(job.outcome.blueprintId, job.outcome.version);
  const changed = (await deps.blueprints.sectionsOf(versionId)).filter((s) => s.changed).map((s) => s.id);
  return { status: 'ingested', jobId: job._id, ...job.outcome, changedSectionIds: changed };
}

function outcomeOf(version: BlueprintVersionRecord, reused: boolean): JobOutcome {
  const outcome: JobOutcome = {
    blueprintId: version.blueprintId,
    version: version.number,
    digest: version.digest,
    sectionCount: version.sectionCount,
    changedCount: version.changedCount,
    wordCount: version.wordCount,
    reused,
  };
  if (version.parentVersion !== undefined) outcome.parentVersion = version.parentVersion;
  return outcome;
}

/**
 * How a finished version is announced. As a change to its parent (v2) when this process parsed the
 * parent, so the consumers beside it (the planner, in the embedded topology) hold it too: a one-section
 * edit of a 500k-word blueprint then travels as that section, not as 9 MB of text and 19.5k sections.
 * Whole (v1) otherwise; a consumer handed a change to a version it lacks asks for the whole one
 * (`cmd.ingestion.announce_blueprint`).
 */
function announcement(whole: BlueprintIngestedV1, parent: ParentInMemory | undefined): BlueprintAnnouncement {
  if (!parent || whole.files) return { version: 1, payload: whole };
  const base = {
    version: parent.version,
    digest: parent.parse.digest,
    text: parent.parse.memo.blocks.text,
    // Read only, and already in the contract's shape (MemoSection).
    sections: parent.parse.memo.sections,
  };
  return { version: 2, payload: blueprintIngestedChange(base, whole) };
}

function ingestedPayload(
  command: IngestionSubmitBlueprintV1,
  version: BlueprintVersionRecord,
  parsed: ScannedBlueprint,
  changed: string[],
  ingestedAt: string,
): BlueprintIngestedV1 {
  return wholeVersionPayload(version, {
    jobId: command.jobId,
    title: command.title,
    ...(command.files ? { files: command.files } : {}),
    text: parsed.text,
    wordCount: parsed.wordCount,
    sections: parsed.sections,
    ...(parsed.memo ? { memoSections: parsed.memo.sections } : {}),
    secrets: parsed.secrets,
    changed,
    ingestedAt,
  });
}
