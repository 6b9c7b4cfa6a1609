/**
 * The planner's cost estimate of one run of a task, in US dollars. Deliberately simple and
 * documented, because the manager and governance reserve budget against it before any model has
 * seen the task:
 *
 *   estimate = $0.10 base (reading the repo, the first plan step)
 *            + $0.002 per word of the task's own text (more to read, more to do)
 *            + $0.05 per scope path (each file or tree is read and edited)
 *            + $0.02 per acceptance criterion or validation command (each is checked, often re-run)
 *   capped at $10, rounded to the cent. A gate (a checkpoint with no work) costs 0.
 */
export const ESTIMATE_MODEL = {
  baseUsd: 0.1,
  perWordUsd: 0.002,
  perScopePathUsd: 0.05,
  perCheckUsd: 0.02,
  capUsd: 10,
} as const;

export function estimateRunUsd(work: {
  readonly words: number;
  readonly scopePaths: number;
  readonly checks: number;
}): number {
  const m = ESTIMATE_MODEL;
  const raw =
    m.baseUsd + m.perWordUsd * work.words + m.perScopePathUsd * work.scopePaths + m.perCheckUsd * work.checks;
  return Math.round(Math.min(raw, m.capUsd) * 100) / 100;
}
