import { createHash } from 'node:crypto';
import { BlueprintIngestedV1, type Envelope, type IngestionSubmitBlueprintV1 } from '@autopilot/contracts';
import type { Clock, IdSource } from '@autopilot/kernel';
import { commitWithOutbox, type DocumentStore } from '@autopilot/store';
import { blueprintIdFor, versionDocId } from '../domain/blueprint/blueprint-identity';
import { parseBlueprint, type ParsedBlueprint } from '../domain/blueprint/blueprint-parse';
import { BlueprintRejectedError } from '../domain/blueprint/blueprint-rejected-error';
import { decideVersion, filesKeyOf } from '../domain/blueprint/blueprint-version';
import { afterStep, chunkEnds, nextStep, progressDue, type JobPlan } from '../domain/job/ingestion-job';
import { changedSectionIds } from '../domain/sections/section-changes';
import { IngestionJobConflictError } from './errors';
import { jobEnvelope, progressEvent, sectionForEvent, type JobEnvelopeContext } from './ingestion-events';
import { defaultIngestionOptions, type IngestionOptions } from './ingestion-options';
import type {
  BlueprintRecord,
  BlueprintRepository,
  BlueprintVersionRecord,
  IngestionJobRecord,
  JobOutcome,
} from './ports';

/** What ingesting needs; the service module injects them, the CLI passes them in-process. */
export interface IngestionDeps {
  store: DocumentStore;
  repository: BlueprintRepository;
  clock: Clock;
  ids: IdSource;
  options?: Partial<IngestionOptions>;
}

export interface SubmitBlueprintRequest {
  command: IngestionSubmitBlueprintV1;
  /** The command's envelope id, the causation of every event the job publishes. */
  commandId?: string;
  /** Called after every stored step (the handler tells the bus it is still working). */
  onStep?: () => void;
}

export type IngestOutcome =
  | (JobOutcome & {
      status: 'ingested';
      jobId: string;
      changedSectionIds: string[];
      /** The `blueprint.ingested` payload, when this call produced it (not for an already finished job). */
      ingested?: BlueprintIngestedV1;
    })
  | { status: 'rejected'; jobId: string; error: BlueprintRejectedError };

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Ingests one submitted blueprint as a resumable job (DESIGN.md section 4): validates and parses in
 * memory first (bad input: the job is recorded failed with the reason, nothing else is written), picks
 * the version (the same text twice is one version), stores the text in chunks and the sections in
 * batches, one transaction and checkpoint per step, then marks the version current, supersedes its
 * parent and publishes `blueprint.ingested` through the outbox in the transaction that finishes the
 * job. Called again with the same job id it resumes after the last stored step, or, once the job has
 * finished, answers from the job without writing anything.
 */
export async function runBlueprintIngestion(
  deps: IngestionDeps,
  request: SubmitBlueprintRequest,
): Promise<IngestOutcome> {
  const options = { ...defaultIngestionOptions, ...deps.options };
  const { store, repository: repo, clock } = deps;
  const { command } = request;
  const ctx: JobEnvelopeContext = {
    clock,
    ids: deps.ids,
    projectId: command.projectId,
    jobId: command.jobId,
    ...(request.commandId !== undefined ? { commandId: request.commandId } : {}),
  };

  const known = await repo.getJob(store, command.jobId);
  if (known && (known.state === 'succeeded' || known.state === 'failed')) return answerFinished(deps, known);

  const blueprintId =
    command.blueprintId ??
    blueprintIdFor(command.projectId, command.name ?? command.sourcePath ?? command.title, sha256Hex);
  let parsed: ParsedBlueprint;
  try {
    parsed = parseBlueprint(command.text, {
      hash: sha256Hex,
      scope: blueprintId,
      maxBytes: options.maxBytes,
      maxNesting: options.maxNesting,
      ...(command.files ? { files: command.files } : {}),
      ...(command.sourcePath !== undefined ? { label: command.sourcePath } : {}),
    });
  } catch (err) {
    if (!(err instanceof BlueprintRejectedError)) throw err;
    await recordRejection(deps, ctx, blueprintId, err, request.commandId);
    return { status: 'rejected', jobId: command.jobId, error: err };
  }
  const digest = sha256Hex(parsed.text);

  let job: IngestionJobRecord;
  if (known) {
    if (known.digest !== digest) throw new IngestionJobConflictError(known._id, known.digest ?? '', digest);
    job = known;
  } else {
    const started = await startJob(deps, ctx, request, blueprintId, parsed, digest, options);
    if (started.kind === 'reused') return started.outcome;
    job = started.job;
  }

  const version = job.version as number;
  const versionId = versionDocId(blueprintId, version);
  const versionRecord = await repo.getVersion(store, blueprintId, version);
  if (!versionRecord) throw new Error(`version ${versionId} of job ${job._id} is missing`);
  const parentHashes =
    versionRecord.parentVersion === undefined
      ? undefined
      : new Map(
          (await repo.sectionsOf(store, versionDocId(blueprintId, versionRecord.parentVersion))).map((s) => [
            s.id,
            s.hash,
          ]),
        );
  const changed = changedSectionIds(parentHashes, parsed.sections);
  const changedSet = new Set(changed);

  const plan: JobPlan = {
    chunkEnds: chunkEnds(parsed.text, options.chunkChars),
    sectionCount: parsed.sections.length,
    sectionsPerStep: options.sectionsPerStep,
  };
  let checkpoint = job.checkpoint;
  let lastReported = job.lastReported;
  for (let step = nextStep(plan, checkpoint); step.kind !== 'finish'; step = nextStep(plan, checkpoint)) {
    const next = afterStep(checkpoint, step);
    const events: Envelope[] = [];
    if (
      step.kind === 'sections' &&
      progressDue(lastReported, next.sectionsStored, plan.sectionCount, options.progressSteps)
    ) {
      events.push(
        progressEvent(ctx, {
          phase: 'hashing',
          done: next.sectionsStored,
          total: plan.sectionCount,
          blueprintId,
        }),
      );
      lastReported = next.sectionsStored;
    }
    const reported = lastReported;
    await commitWithOutbox(
      store,
      async (tx) => {
        if (step.kind === 'chunk') {
          await repo.putChunk(tx, {
            _id: `${versionId}:c${step.index}`,
            versionId,
            index: step.index,
            start: step.start,
            text: parsed.text.slice(step.start, step.end),
          });
        } else {
          await repo.putSectionBatch(tx, {
            _id: `${versionId}:s${step.batch}`,
            versionId,
            batch: step.batch,
            from: step.from,
            sections: parsed.sections
              .slice(step.from, step.to)
              .map((s) => ({ ...s, changed: changedSet.has(s.id) })),
          });
        }
        await repo.putJob(tx, {
          ...job,
          checkpoint: next,
          lastReported: reported,
          updatedAt: clock.isoNow(),
        });
        return { result: undefined, events };
      },
      clock,
    );
    checkpoint = next;
    request.onStep?.();
  }

  return finishJob(deps, ctx, { ...job, checkpoint, lastReported }, versionRecord, parsed, changed, command);
}

type Started = { kind: 'started'; job: IngestionJobRecord } | { kind: 'reused'; outcome: IngestOutcome };

/** Picks the version and records the running job, in one transaction; a reused version finishes at once. */
async function startJob(
  deps: IngestionDeps,
  ctx: JobEnvelopeContext,
  request: SubmitBlueprintRequest,
  blueprintId: string,
  parsed: ParsedBlueprint,
  digest: string,
  options: IngestionOptions,
): Promise<Started> {
  const { repository: repo, clock } = deps;
  const { command } = request;
  const now = clock.isoNow();
  const filesKey = filesKeyOf(command.files);
  return commitWithOutbox<Started>(
    deps.store,
    async (tx) => {
      const blueprint = await repo.getBlueprint(tx, blueprintId);
      const latest = blueprint ? await repo.getVersion(tx, blueprintId, blueprint.latestVersion) : null;
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
        version: decision.version,
        digest,
        totalSections: parsed.sections.length,
        checkpoint: { chunksStored: 0, sectionsStored: 0 },
        lastReported: 0,
        ...(request.commandId !== undefined ? { commandId: request.commandId } : {}),
        createdAt: now,
        updatedAt: now,
      };

      if (decision.kind === 'reuse' && latest) {
        const stored = await repo.sectionsOf(tx, latest._id);
        const changed = stored.filter((s) => s.changed).map((s) => s.id);
        const outcome = outcomeOf(latest, true);
        await repo.putJob(tx, {
          ...job,
          state: 'succeeded',
          checkpoint: { chunksStored: latest.chunkCount, sectionsStored: latest.sectionCount },
          lastReported: latest.sectionCount,
          outcome,
          finishedAt: now,
        });
        const ingested = ingestedPayload(command, latest, parsed, changed, latest.ingestedAt ?? now);
        return {
          result: {
            kind: 'reused',
            outcome: {
              status: 'ingested',
              jobId: command.jobId,
              ...outcome,
              changedSectionIds: changed,
              ingested,
            },
          },
          events: [
            progressEvent(ctx, {
              phase: 'done',
              done: latest.sectionCount,
              total: latest.sectionCount,
              blueprintId,
            }),
            jobEnvelope(ctx, BlueprintIngestedV1, ingested),
          ],
        };
      }

      if (decision.kind === 'create') {
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
          chunkCount: chunkEnds(parsed.text, options.chunkChars).length,
          sectionCount: parsed.sections.length,
          changedCount: 0,
          jobId: command.jobId,
          createdAt: now,
        };
        if (decision.parentVersion !== undefined) record.parentVersion = decision.parentVersion;
        if (command.files) record.files = command.files;
        if (command.sourcePath !== undefined) record.sourcePath = command.sourcePath;
        await repo.putVersion(tx, record);
        const next: BlueprintRecord = blueprint
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
        await repo.putBlueprint(tx, next);
      }
      await repo.putJob(tx, job);
      return {
        result: { kind: 'started', job },
        events: [
          progressEvent(ctx, { phase: 'parsing', done: 0, total: parsed.sections.length, blueprintId }),
        ],
      };
    },
    clock,
  );
}

/** Marks the version current (superseding its parent), the job succeeded, and announces both. */
async function finishJob(
  deps: IngestionDeps,
  ctx: JobEnvelopeContext,
  job: IngestionJobRecord,
  started: BlueprintVersionRecord,
  parsed: ParsedBlueprint,
  changed: string[],
  command: IngestionSubmitBlueprintV1,
): Promise<IngestOutcome> {
  const { repository: repo, clock } = deps;
  const now = clock.isoNow();
  return commitWithOutbox<IngestOutcome>(
    deps.store,
    async (tx) => {
      const blueprint = await repo.getBlueprint(tx, started.blueprintId);
      const version = (await repo.getVersion(tx, started.blueprintId, started.number)) ?? started;
      let finished = version;
      if (version.status === 'ingesting') {
        const current = blueprint?.currentVersion ?? 0;
        // A newer version finished first (two submissions raced): this one is history at once.
        const status = current < version.number ? 'current' : 'superseded';
        finished = { ...version, status, changedCount: changed.length, ingestedAt: now };
        if (status === 'superseded') finished.supersededBy = current;
        await repo.putVersion(tx, finished);
        if (status === 'current' && blueprint) {
          if (blueprint.currentVersion !== undefined) {
            const previous = await repo.getVersion(tx, started.blueprintId, blueprint.currentVersion);
            if (previous && previous.status !== 'superseded') {
              await repo.putVersion(tx, { ...previous, status: 'superseded', supersededBy: version.number });
            }
          }
          await repo.putBlueprint(tx, { ...blueprint, currentVersion: version.number, updatedAt: now });
        }
      }
      const outcome = outcomeOf(finished, false);
      await repo.putJob(tx, {
        ...job,
        state: 'succeeded',
        outcome,
        lastReported: parsed.sections.length,
        updatedAt: now,
        finishedAt: now,
      });
      const ingested = ingestedPayload(command, finished, parsed, changed, finished.ingestedAt ?? now);
      return {
        result: { status: 'ingested', jobId: job._id, ...outcome, changedSectionIds: changed, ingested },
        events: [
          progressEvent(ctx, {
            phase: 'done',
            done: parsed.sections.length,
            total: parsed.sections.length,
            blueprintId: started.blueprintId,
          }),
          jobEnvelope(ctx, BlueprintIngestedV1, ingested),
        ],
      };
    },
    clock,
  );
}

/** Bad input: the job is recorded failed with the reason and announced; nothing else is written. */
async function recordRejection(
  deps: IngestionDeps,
  ctx: JobEnvelopeContext,
  blueprintId: string,
  error: BlueprintRejectedError,
  commandId: string | undefined,
): Promise<void> {
  const now = deps.clock.isoNow();
  await commitWithOutbox(
    deps.store,
    async (tx) => {
      await deps.repository.putJob(tx, {
        _id: ctx.jobId,
        kind: 'blueprint',
        projectId: ctx.projectId,
        state: 'failed',
        blueprintId,
        totalSections: 0,
        checkpoint: { chunksStored: 0, sectionsStored: 0 },
        lastReported: 0,
        ...(commandId !== undefined ? { commandId } : {}),
        error: { code: error.code, reason: error.reason, message: error.message, site: error.site },
        createdAt: now,
        updatedAt: now,
        finishedAt: now,
      });
      return {
        result: undefined,
        events: [
          progressEvent(ctx, {
            phase: 'failed',
            done: 0,
            error: { code: `INGESTION_${error.reason}`, message: error.message.slice(0, 2000) },
          }),
        ],
      };
    },
    deps.clock,
  );
}

/** A finished job called again: its outcome, read back, and nothing written or published. */
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
  const changed = (await deps.repository.sectionsOf(deps.store, versionId))
    .filter((s) => s.changed)
    .map((s) => s.id);
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

function ingestedPayload(
  command: IngestionSubmitBlueprintV1,
  version: BlueprintVersionRecord,
  parsed: ParsedBlueprint,
  changed: string[],
  ingestedAt: string,
): BlueprintIngestedV1 {
  const payload: BlueprintIngestedV1 = {
    blueprintId: version.blueprintId,
    projectId: version.projectId,
    version: version.number,
    jobId: command.jobId,
    title: command.title,
    format: 'markdown',
    digest: version.digest,
    text: parsed.text,
    wordCount: parsed.wordCount,
    sections: parsed.sections.map(sectionForEvent),
    changedSectionIds: changed,
    ingestedAt,
  };
  if (version.parentVersion !== undefined) payload.parentVersion = version.parentVersion;
  if (command.files) payload.files = command.files;
  return payload;
}
