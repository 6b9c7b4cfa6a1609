import { isOpen, nextOpening } from '../schedule/schedule-open';
import { compareCandidates, riskOf } from './tick-order';
import type { TickDecision, TickInput, TickPlan, TickProject } from './tick-types';

/**
 * One tick: which ready tasks to dispatch, which to ask approval for, which would run (suggest),
 * and why each of the others waits. Deterministic: the same input gives the same plan.
 *
 * Candidates are taken in `compareCandidates` order across all projects. A project that is off,
 * paused or outside its schedule window holds all its tasks; a retry in backoff waits. In
 * `full_auto` a task is dispatched while the project and the global limit have room; `semi_auto`
 * does the same for low-risk or approved tasks and asks approval for the rest (an approval request
 * holds no worker, so it is not limited); `suggest` fills the project's slots on paper only,
 * leaving the global limit to the projects that really run.
 */
export function decideTick(input: TickInput): TickPlan {
  const projects = new Map(input.projects.map((p) => [p.id, p]));
  const used = new Map(input.projects.map((p) => [p.id, p.inFlight]));
  let globalUsed = input.projects.reduce((sum, p) => sum + p.inFlight, 0);
  const gates = new Map<string, string | undefined>();
  const decisions: TickDecision[] = [];

  for (const c of [...input.ready].sort(compareCandidates)) {
    const decide = (action: TickDecision['action'], reason: string) =>
      decisions.push({ taskId: c.taskId, projectId: c.projectId, action, reason });
    const project = projects.get(c.projectId);
    if (!project) {
      decide('hold', `project ${c.projectId} is unknown`);
      continue;
    }
    if (!gates.has(project.id)) gates.set(project.id, projectGate(project, input.now));
    const closed = gates.get(project.id);
    if (closed) {
      decide('hold', closed);
      continue;
    }
    if (c.notBefore !== undefined && c.notBefore > input.now) {
      decide('hold', `retry backoff until ${new Date(c.notBefore).toISOString()}`);
      continue;
    }
    const inProject = used.get(project.id) ?? 0;
    const projectFull = inProject >= project.maxParallel;
    const slot = `${inProject + 1}/${project.maxParallel} in project`;
    switch (project.autonomyMode) {
      case 'suggest':
        if (projectFull) decide('hold', `project at its limit of ${project.maxParallel} parallel runs`);
        else {
          used.set(project.id, inProject + 1);
          decide('suggest', `would dispatch (${slot}); suggest mode dispatches nothing`);
        }
        continue;
      case 'semi_auto':
        if (riskOf(c) !== 'low' && !c.approved) {
          decide('request_approval', `semi_auto: ${riskOf(c)} risk needs a person's approval before it runs`);
          continue;
        }
        break;
      case 'full_auto':
      case 'off':
        break;
      default:
        return assertNever(project.autonomyMode);
    }
    if (projectFull) decide('hold', `project at its limit of ${project.maxParallel} parallel runs`);
    else if (globalUsed >= input.globalMaxParallel)
      decide('hold', `global limit of ${input.globalMaxParallel} parallel runs reached`);
    else {
      used.set(project.id, inProject + 1);
      globalUsed += 1;
      const why = project.autonomyMode === 'semi_auto' ? (c.approved ? 'approved' : 'low risk') : 'full_auto';
      decide('dispatch', `${why}; ${slot}, ${globalUsed}/${input.globalMaxParallel} overall`);
    }
  }

  const ids = (action: TickDecision['action']) =>
    decisions.filter((d) => d.action === action).map((d) => d.taskId);
  const dispatch = ids('dispatch');
  const requestApproval = ids('request_approval');
  return {
    at: new Date(input.now).toISOString(),
    decisions,
    dispatch,
    requestApproval,
    suggest: ids('suggest'),
    changesState: dispatch.length + requestApproval.length > 0,
  };
}

/** Why nothing of the project may start now, or undefined when it may. */
function projectGate(project: TickProject, now: number): string | undefined {
  if (project.autonomyMode === 'off') return 'autonomy is off';
  if (project.paused) return `project paused${project.pauseReason ? `: ${project.pauseReason}` : ''}`;
  if (!isOpen(project.schedule, now)) {
    const opens = nextOpening(project.schedule, now);
    return `outside the schedule window; ${opens === undefined ? 'it has no window' : `opens ${new Date(opens).toISOString()}`}`;
  }
  return undefined;
}

function assertNever(value: never): never {
  throw new Error(`unexpected autonomy mode ${String(value)}`);
}
