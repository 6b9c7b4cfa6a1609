import {
  BlueprintIngestedV1,
  buildEnvelope,
  IngestionProgressV1,
  type BlueprintSection,
  type Envelope,
  type MessageDef,
  type PayloadOf,
} from '@autopilot/contracts';
import type { Clock, IdSource } from '@autopilot/kernel';
import type { Section } from '../domain/sections/section-tree';

/** Envelope fields every event of one job shares: it is correlated with the job, caused by the command. */
export interface JobEnvelopeContext {
  clock: Clock;
  ids: IdSource;
  projectId: string;
  jobId: string;
  commandId?: string;
}

export function jobEnvelope<D extends MessageDef>(
  ctx: JobEnvelopeContext,
  def: D,
  data: PayloadOf<D>,
): Envelope<PayloadOf<D>> {
  return buildEnvelope(def, data, {
    id: ctx.ids.next(),
    time: ctx.clock.isoNow(),
    source: 'ingestion',
    projectId: ctx.projectId,
    correlationId: ctx.jobId,
    ...(ctx.commandId !== undefined ? { causationId: ctx.commandId } : {}),
  });
}

export type ProgressPhase = IngestionProgressV1['phase'];

export function progressEvent(
  ctx: JobEnvelopeContext,
  fields: {
    phase: ProgressPhase;
    done: number;
    total?: number;
    blueprintId?: string;
    error?: { code: string; message: string };
  },
): Envelope<IngestionProgressV1> {
  return jobEnvelope(ctx, IngestionProgressV1, {
    jobId: ctx.jobId,
    projectId: ctx.projectId,
    jobKind: 'blueprint',
    ...fields,
    at: ctx.clock.isoNow(),
  });
}

/** A section as the contract carries it: the heading path is left out (parent links rebuild it). */
export function sectionForEvent(section: Section): BlueprintSection {
  const out: BlueprintSection = {
    id: section.id,
    level: section.level,
    title: section.title,
    start: section.start,
    end: section.end,
    bodyEnd: section.bodyEnd,
    hash: section.hash,
    wordCount: section.wordCount,
    kind: section.kind,
  };
  if (section.parentId !== undefined) out.parentId = section.parentId;
  if (section.file !== undefined) out.file = section.file;
  return out;
}

export { BlueprintIngestedV1 };
