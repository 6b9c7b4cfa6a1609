import type {
  AutonomyMode,
  BudgetCaps,
  ManagerCreateProjectV1,
  ManagerUpdateProjectV1,
  Project,
  ProjectPause,
} from '@autopilot/contracts';
import { canonicalJson } from '@autopilot/kernel';
import { ScheduleError } from '../schedule/schedule-error';
import { validateSchedule } from '../schedule/schedule-window';
import { InvalidProjectSettingsError, ProjectExistsError } from './project-errors';

/**
 * A project as the manager holds it: the contract's state (what `project.updated` carries, its
 * `pause` included) and the pause reason as the tick quotes it.
 */
export interface ProjectState {
  readonly project: Project;
  readonly pauseReason?: string;
}

/** What a decision did: the new state with its `project.updated`, or nothing (a replay, no change). */
export type ProjectDecision =
  { readonly kind: 'changed'; readonly state: ProjectState } | { readonly kind: 'unchanged' };

const UNCHANGED: ProjectDecision = { kind: 'unchanged' };

/**
 * A new project from `manager.create_project`, or nothing when the same project already exists
 * with the same settings (a resent command).
 * @throws InvalidProjectSettingsError for a schedule, time zone or cap that cannot be used.
 * @throws ProjectExistsError when the id holds a project with other settings.
 */
export function createProject(
  command: ManagerCreateProjectV1,
  existing: ProjectState | null,
  now: string,
): ProjectDecision {
  const { requestedBy: _, projectId, ...settings } = command;
  validateSettings(projectId, settings);
  if (existing) {
    const {
      id: __,
      paused: ___,
      pause: _p,
      blueprintId: ____,
      resumeNote: _n,
      createdAt: _c,
      updatedAt: _u,
      revision: _r,
      ...stored
    } = existing.project;
    if (sameJson(stored, settings)) return UNCHANGED;
    throw new ProjectExistsError(projectId);
  }
  const project: Project = {
    id: projectId,
    ...settings,
    paused: false,
    createdAt: now,
    updatedAt: now,
    revision: 1,
  };
  return { kind: 'changed', state: { project } };
}

/**
 * The project with `manager.update_project`'s settings (its repository never changes; an absent
 * schedule removes the schedule), or nothing when they are the ones it has. A project paused by a
 * budget cap runs again when a daily or weekly cap was raised, as its pause said ("raise the cap"):
 * if the new cap is still reached, governance refuses the next reservation and it pauses again.
 * @throws InvalidProjectSettingsError for a schedule, time zone or cap that cannot be used.
 */
export function updateProject(
  state: ProjectState,
  command: ManagerUpdateProjectV1,
  now: string,
): ProjectDecision {
  const { requestedBy: _, projectId, ...settings } = command;
  const before = state.project;
  validateSettings(projectId, { ...settings, repo: before.repo });
  const current = {
    name: before.name,
    autonomyMode: before.autonomyMode,
    maxParallel: before.maxParallel,
    budgets: before.budgets,
    ...(before.schedule ? { schedule: before.schedule } : {}),
  };
  if (sameJson(current, settings)) return UNCHANGED;
  const { schedule: _s, pause, resumeNote: _n, ...kept } = before;
  const raised = raisedCalendarCaps(before.budgets, settings.budgets);
  const liftsPause = before.paused && pause?.kind === 'budget' && raised.length > 0;
  const project = next(
    { ...kept, ...settings, ...(before.paused && !liftsPause && pause ? { pause } : {}) },
    liftsPause
      ? {
          paused: false,
          resumeNote:
            `resumed: the ${raised.join(' and ')} budget was raised; paused since ${pause.since} because ${pause.reason}`.slice(
              0,
              1000,
            ),
        }
      : {},
    now,
  );
  return {
    kind: 'changed',
    state: liftsPause || !before.paused ? { project } : { ...state, project },
  };
}

/** The calendar caps (daily, weekly) `after` raises over `before`, in words. */
function raisedCalendarCaps(before: BudgetCaps, after: BudgetCaps): string[] {
  const raised: string[] = [];
  if (after.dailyUsd > before.dailyUsd) raised.push('daily');
  if (after.weeklyUsd > before.weeklyUsd) raised.push('weekly');
  return raised;
}

/**
 * Paused with why and what would unblock it; unchanged when already paused (the first pause
 * stands), except that any other pause replaces a budget pause: that one ends by itself when its
 * window reopens, and a pause a person must lift (manual, aborted, an auto-pause rule) must not.
 */
export function pauseProject(
  state: ProjectState,
  pause: Omit<ProjectPause, 'since'>,
  now: string,
): ProjectDecision {
  if (state.project.paused && (state.project.pause?.kind !== 'budget' || pause.kind === 'budget'))
    return UNCHANGED;
  const { resumeNote: _, ...project } = state.project;
  return {
    kind: 'changed',
    state: {
      project: next(project, { paused: true, pause: { ...pause, since: now } }, now),
      pauseReason: pause.reason,
    },
  };
}

/** Running again (with `note` when it resumed by itself); unchanged when not paused. */
export function resumeProject(state: ProjectState, now: string, note?: string): ProjectDecision {
  if (!state.project.paused) return UNCHANGED;
  const { pause: _, resumeNote: __, ...project } = state.project;
  return {
    kind: 'changed',
    state: {
      project: next(project, { paused: false, ...(note !== undefined ? { resumeNote: note } : {}) }, now),
    },
  };
}

/** In autonomy mode `mode`; unchanged when already in it. */
export function setAutonomy(state: ProjectState, mode: AutonomyMode, now: string): ProjectDecision {
  if (state.project.autonomyMode === mode) return UNCHANGED;
  return { kind: 'changed', state: { ...state, project: next(state.project, { autonomyMode: mode }, now) } };
}

function next(project: Project, changes: Partial<Project>, now: string): Project {
  return { ...project, ...changes, updatedAt: now, revision: project.revision + 1 };
}

/**
 * Checks what the contract's schema cannot: the schedule's time zone is one Intl knows and each
 * window parses (not empty, not starting at 24:00); every cap is a finite amount of at least 0
 * (the schema says so too; a caller that skipped validation is refused here).
 */
function validateSettings(
  projectId: string,
  settings: Omit<ManagerCreateProjectV1, 'projectId' | 'requestedBy'>,
): void {
  for (const [name, value] of Object.entries(settings.budgets)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidProjectSettingsError(
        projectId,
        `budgets.${name}`,
        `${String(value)} is not an amount >= 0 USD`,
      );
    }
  }
  if (!settings.schedule) return;
  try {
    validateSchedule(settings.schedule);
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    throw new InvalidProjectSettingsError(
      projectId,
      `schedule ${err.part}`,
      `"${err.value}": ${err.problem}`,
      {
        cause: err,
      },
    );
  }
}

/** JSON equality with keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
