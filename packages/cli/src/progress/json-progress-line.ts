import type { ProgressSnapshot } from './progress-view';

/** `{"type":"progress","tasks":…,"running":…,"spend":…}`: the snapshot's own figures, unrounded. */
export function jsonProgressLineOf(snapshot: ProgressSnapshot): string {
  return jsonLine({ type: 'progress', ...progressFieldsOf(snapshot) });
}

/** `{"type":"note","text":…}`: a line meant for the person, for a program to show or keep. */
export function jsonNoteLineOf(text: string): string {
  return jsonLine({ type: 'note', text });
}

/**
 * What makes a JSON progress line worth writing: everything in it but spend below a cent, so a
 * run's many small model calls do not each print a line.
 */
export function jsonProgressKeyOf(snapshot: ProgressSnapshot): string {
  const fields = progressFieldsOf(snapshot);
  return JSON.stringify({
    ...fields,
    spend: fields.spend.map((b) => [b.budget, b.spentUsd.toFixed(2), b.capUsd.toFixed(2)]),
  });
}

/** Only the snapshot's own fields: a caller passing richer objects does not widen the output. */
function progressFieldsOf(snapshot: ProgressSnapshot): ProgressSnapshot {
  return {
    tasks: {
      total: snapshot.tasks.total,
      done: snapshot.tasks.done,
      failed: snapshot.tasks.failed,
      waiting: snapshot.tasks.waiting,
    },
    running: snapshot.running.map((r) => ({
      taskId: r.taskId,
      title: r.title,
      ...(r.step !== undefined ? { step: r.step } : {}),
    })),
    spend: snapshot.spend.map((b) => ({ budget: b.budget, spentUsd: b.spentUsd, capUsd: b.capUsd })),
  };
}

/**
 * JSON on one line, with the characters JSON.stringify leaves raw (C1 controls, line and
 * paragraph separators, bidi overrides) escaped too, so a line shown on a terminal cannot act on
 * it. They only occur inside strings, where `\uXXXX` means the same character.
 */
function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
