import {
  IngestionProgressV1,
  type BlueprintSection,
  type Envelope,
  type IngestionWarning,
  type MessageDef,
  type PayloadOf,
} from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import type { OutboxEnvelopes } from '@autopilot/runtime';
import type { Section } from '../domain/sections/section-tree';

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
