import type { BudgetExceededV1 } from '@autopilot/contracts';
import { pauseProject, resumeProject, type ProjectDecision, type ProjectState } from './project';

const UNCHANGED: ProjectDecision = { kind: 'unchanged' };

const SCOPE_WORDS: Record<BudgetExceededV1['scope'], string> = {
  run: 'run',
  daily: 'daily',
  weekly: 'weekly',
  global_daily: 'global daily',
  global_weekly: 'global weekly',
};

/**
 * The pause a `budget.exceeded` asks for. A run's cap pauses nothing (that run alone is out of
 * budget). A daily, weekly or global cap pauses the project (kind `budget`) with the cap and the
 * amounts, and, when the event says when the window reopens, the instant it resumes by itself.
 * Unchanged: a refusal whose window has already reopened (a late delivery), a project paused for
 * another reason (that pause stands), or a budget pause that already lasts as long (a duplicate).
 * A second cap reached while budget-paused extends the pause to the later reopening.
 */
export function decideBudgetPause(
  state: ProjectState,
  exceeded: BudgetExceededV1,
  nowMs: number,
  now: string,
): ProjectDecision {
  if (exceeded.scope === 'run') return UNCHANGED;
  const reopensMs = exceeded.reopensAt !== undefined ? Date.parse(exceeded.reopensAt) : undefined;
  if (reopensMs !== undefined && reopensMs <= nowMs) return UNCHANGED;
  const current = state.project.pause;
  let resumesAt = exceeded.reopensAt;
  if (state.project.paused) {
    if (current?.kind !== 'budget' || current.resumesAt === undefined) return UNCHANGED;
    if (reopensMs !== undefined && reopensMs <= Date.parse(current.resumesAt)) return UNCHANGED;
    if (reopensMs === undefined) resumesAt = undefined;
  }
  const timeZone = timeZoneOf(state);
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const reason =
    `the ${SCOPE_WORDS[exceeded.scope]} budget cap of ${usd(exceeded.capUsd)} was reached: ` +
    `${usd(exceeded.spentUsd)} spent or reserved, ${usd(exceeded.requestedUsd)} more refused` +
    (exceeded.runId !== undefined ? ` (run ${exceeded.runId})` : '');
  const unblock =
    resumesAt !== undefined
      ? `raise the cap or wait until ${localTime(resumesAt, timeZone)} (${timeZone}), when it resumes by itself`
      : 'raise the cap, then resume the project (manager.resume_project)';
  const paused = pauseProject(
    state.project.paused ? resumeOnly(state, now) : state,
    { kind: 'budget', reason, unblock, ...(resumesAt !== undefined ? { resumesAt } : {}) },
    now,
  );
  return paused;
}

/**
 * A project paused only by a budget cap resumes by itself once its window reopened (`resumesAt`
 * passed), with a note saying so. Any other pause, or one without `resumesAt`, waits for a person.
 */
export function decideBudgetResume(state: ProjectState, nowMs: number, now: string): ProjectDecision {
  const { pause } = state.project;
  if (!state.project.paused || pause?.kind !== 'budget' || pause.resumesAt === undefined) return UNCHANGED;
  if (nowMs < Date.parse(pause.resumesAt)) return UNCHANGED;
  const timeZone = timeZoneOf(state);
  const note =
    `resumed by itself: the budget window reopened at ${localTime(pause.resumesAt, timeZone)} (${timeZone}); ` +
    `paused since ${pause.since} because ${pause.reason}`;
  return resumeProject(state, now, note.slice(0, 1000));
}

/** The state as if not paused, so a longer budget pause can replace the current one. */
function resumeOnly(state: ProjectState, now: string): ProjectState {
  const resumed = resumeProject(state, now);
  if (resumed.kind === 'unchanged') return state;
  // One change, one revision: the replaced pause is no state anyone saw.
  return { project: { ...resumed.state.project, revision: state.project.revision } };
}

/** The project's calendar time zone (its schedule's, else UTC), as governance counts its days. */
function timeZoneOf(state: ProjectState): string {
  return state.project.schedule?.timezone ?? 'UTC';
}

/** `YYYY-MM-DD HH:mm` of an instant in `timeZone`. */
function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
