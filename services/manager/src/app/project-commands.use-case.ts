import { Inject, Injectable } from '@nestjs/common';
import {
  ProjectUpdatedV1,
  type ManagerCreateProjectV1,
  type ManagerPauseProjectV1,
  type ManagerResumeProjectV1,
  type ManagerSetAutonomyV1,
  type ManagerUpdateProjectV1,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import {
  createProject,
  pauseProject,
  resumeProject,
  setAutonomy,
  updateProject,
  type ProjectDecision,
  type ProjectState,
} from '../domain/project/project';
import { UnknownProjectError } from '../domain/project/project-errors';
import { ProjectRepository, TickRequests, type Versioned } from './ports';

/**
 * The project commands: create, update (its settings), pause (with a reason), resume, set autonomy. Each changes the
 * stored project by compare-and-set and announces the whole project in `project.updated`; a command
 * that changes nothing (a resend, a pause of a paused project) announces nothing. A changed project
 * asks for a tick (it may now run work, or hold it). Bad input (an unknown project, a schedule or
 * time zone that does not parse, a cap that is no amount) is refused with a NonRetryableError
 * naming what was wrong: no contract carries a refusal of these commands yet, so the bus logs and
 * dead-letters it.
 */
@Injectable()
export class ProjectCommandsUseCase {
  constructor(
    @Inject(ProjectRepository) private readonly projects: ProjectRepository,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TickRequests) private readonly ticks: TickRequests,
  ) {}

  async create(command: ManagerCreateProjectV1): Promise<ProjectDecision> {
    const stored = await this.projects.get(command.projectId);
    const decision = createProject(command, stored?.value ?? null, this.clock.isoNow());
    return this.apply(decision, stored?.version ?? 0);
  }

  async update(command: ManagerUpdateProjectV1): Promise<ProjectDecision> {
    const stored = await this.existing(command.projectId, 'manager.update_project');
    return this.apply(updateProject(stored.value, command, this.clock.isoNow()), stored.version);
  }

  async pause(command: ManagerPauseProjectV1): Promise<ProjectDecision> {
    const stored = await this.existing(command.projectId, 'manager.pause_project');
    const reason = `${command.reason ?? 'paused'} (by ${command.requestedBy.kind} ${command.requestedBy.id})`;
    const pause = {
      kind: 'manual' as const,
      reason,
      unblock: 'resume the project (manager.resume_project) when it may run again',
    };
    return this.apply(pauseProject(stored.value, pause, this.clock.isoNow()), stored.version);
  }

  async resume(command: ManagerResumeProjectV1): Promise<ProjectDecision> {
    const stored = await this.existing(command.projectId, 'manager.resume_project');
    return this.apply(resumeProject(stored.value, this.clock.isoNow()), stored.version);
  }

  async setAutonomy(command: ManagerSetAutonomyV1): Promise<ProjectDecision> {
    const stored = await this.existing(command.projectId, 'manager.set_autonomy');
    return this.apply(setAutonomy(stored.value, command.mode, this.clock.isoNow()), stored.version);
  }

  private async existing(projectId: string, command: string): Promise<Versioned<ProjectState>> {
    const stored = await this.projects.get(projectId);
    if (!stored) throw new UnknownProjectError(projectId, command);
    return stored;
  }

  private async apply(decision: ProjectDecision, expectedVersion: number): Promise<ProjectDecision> {
    if (decision.kind === 'unchanged') return decision;
    const { project } = decision.state;
    await this.projects.commit(decision.state, expectedVersion, [
      this.envelopes.build(ProjectUpdatedV1, project),
    ]);
    this.ticks.request();
    return decision;
  }
}
