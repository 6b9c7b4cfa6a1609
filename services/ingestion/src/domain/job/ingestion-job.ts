/**
 * An ingestion job's plan and progress, as pure functions: the app stores the checkpoint after every
 * step in the same transaction as the step's writes, so a job killed at any point resumes at the next
 * step and re-runs none (and a re-run step would only upsert the same deterministic ids).
 */

export type JobState = 'pending' | 'running' | 'succeeded' | 'failed';

export interface JobCheckpoint {
  /** Text chunks stored, from the first. */
  chunksStored: number;
  /** Sections stored, in document order, from the first. */
  sectionsStored: number;
}

/**
 * How a job cuts its version into steps, fixed when the job starts and stored with it: step ids
 * follow these sizes (a chunk's index, a batch's number), so a job resumed by a process configured
 * otherwise must go on cutting as it began, or its steps would overwrite stored ones and skip text.
 */
export interface JobSteps {
  /** Characters per stored text chunk. */
  chunkChars: number;
  /** Sections written per step. */
  sectionsPerStep: number;
}

export interface JobPlan {
  /** End offset of each chunk of the text, in order. */
  chunkEnds: readonly number[];
  sectionCount: number;
  /** Sections written per step (one transaction). */
  sectionsPerStep: number;
}

export type JobStep =
  | { kind: 'chunk'; index: number; start: number; end: number }
  | { kind: 'sections'; batch: number; from: number; to: number }
  | { kind: 'finish' };

/** The step after `checkpoint`: chunks first, then sections in batches, then finishing. */
export function nextStep(plan: JobPlan, checkpoint: JobCheckpoint): JobStep {
  const chunk = checkpoint.chunksStored;
  if (chunk < plan.chunkEnds.length) {
    return {
      kind: 'chunk',
      index: chunk,
      start: chunk === 0 ? 0 : (plan.chunkEnds[chunk - 1] as number),
      end: plan.chunkEnds[chunk] as number,
    };
  }
  const from = checkpoint.sectionsStored;
  if (from < plan.sectionCount) {
    const to = Math.min(plan.sectionCount, from + plan.sectionsPerStep);
    return { kind: 'sections', batch: Math.floor(from / plan.sectionsPerStep), from, to };
  }
  return { kind: 'finish' };
}

/** The checkpoint once `step` is stored. */
export function afterStep(checkpoint: JobCheckpoint, step: JobStep): JobCheckpoint {
  switch (step.kind) {
    case 'chunk':
      return { ...checkpoint, chunksStored: step.index + 1 };
    case 'sections':
      return { ...checkpoint, sectionsStored: step.to };
    case 'finish':
      return checkpoint;
    default: {
      const unknown: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Ends of chunks of at most `chunkChars` characters covering `text`. A chunk never ends between the
 * two halves of a surrogate pair, which a store's UTF-8 encoding would turn into replacement characters.
 */
export function chunkEnds(text: string, chunkChars: number): number[] {
  const ends: number[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + chunkChars);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && end - 1 > start) end -= 1;
    ends.push(end);
    start = end;
  }
  return ends;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/**
 * Whether `done` of `total` sections is worth a progress event, given the last one reported: when it
 * crosses into a new 1/`steps` of the total (5% by default) or completes, so a 26k-section job sends
 * about 20 events, not 26k.
 */
export function progressDue(lastReported: number, done: number, total: number, steps = 20): boolean {
  if (done <= lastReported) return false;
  if (done >= total) return true;
  return Math.floor((done * steps) / total) > Math.floor((lastReported * steps) / total);
}
