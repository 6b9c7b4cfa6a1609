import type { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  ApprovalDecidedV1,
  ApprovalRequestedV1,
  GovernanceDecideApprovalV1,
  ManagerCreateProjectV1,
  ManagerPauseProjectV1,
  ManagerResumeProjectV1,
  ManagerUpdateProjectV1,
  ProjectUpdatedV1,
  RunFinishedV1,
  RunUpdatedV1,
  StepRecordedV1,
  TaskUpdatedV1,
  type Approval,
  type AutonomyMode,
  type BudgetCaps,
  type Project,
  type Run,
  type RunFinishedV1 as RunFinished,
  type Schedule,
  type StepRecordedV1 as StepRecorded,
  type Task,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { type BlueprintSource } from '@autopilot/ingestion';
import { managerService, scheduleIsOpen } from '@autopilot/manager';
import type { Logger, SettingsByService } from '@autopilot/runtime';
import { workerService } from '@autopilot/worker';
import { AutopilotError, canonicalJson } from '@autopilot/kernel';
import { PlanTopology, type PlannedBlueprint } from '../plan/plan-pipeline';
import { StartReadModel, type StartState } from './start-read-model';

/** What `autopilot start` asks for. */
export interface StartRequest {
  readonly projectId: string;
  readonly repo: { readonly location: string; readonly defaultBranch: string };
  readonly autonomyMode: AutonomyMode;
  readonly budgets: BudgetCaps;
  readonly maxParallel: number;
  readonly schedule?: Schedule;
}

/** The runs in flight as their steps tell: the last step of each task. */
export interface LiveRuns {
  readonly lastStep: Map<string, string>;
}

/** A person's answer to an approval: approve, reject with a reason, or leave it waiting. */
export type ApprovalAnswer =
  { readonly decision: 'approved' | 'rejected'; readonly comment?: string } | 'wait';

/** The pause a start leaves behind, so the next start shows its summary before anything runs. */
const BETWEEN_STARTS = 'autopilot start ended; the next autopilot start resumes the project';
const requestedBy = { kind: 'user', id: 'autopilot-start' } as const;

const TERMINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
const MOVING = new Set(['queued', 'running']);

/**
 * `autopilot start`'s job on the embedded topology: the ingestion, planner, manager, governance and
 * worker services in this process (in-process bus, SQLite under `--dir`), this process in the
 * gateway's role sending what a person decides. It creates the project, plans the blueprint, scans
 * the repository, then follows the work until every task has ended or nothing moves without a person.
 */
export class StartJob {
  static readonly services = [...PlanTopology.services, managerService, governanceService, workerService];
  private changed: () => void = () => undefined;

  private constructor(
    private readonly topology: PlanTopology,
    private readonly model: StartReadModel,
    /** What the services announced about the project, this start's events on top of every earlier start's. */
    readonly state: StartState,
    /** What runs in flight are doing (for the progress view; not kept between starts). */
    readonly live: LiveRuns,
    /**
     * The project an earlier start made was not paused when this one began: that start ended
     * without pausing it (killed), so what it left runs on as soon as the services start.
     */
    readonly resumedUnpaused: boolean,
  ) {}

  static async start(opts: {
    dir: string;
    logger: Logger;
    settings: SettingsByService;
    projectId: string;
  }): Promise<StartJob> {
    const model = await StartReadModel.open(opts.dir);
    const state = await model.load(opts.projectId).catch(async (err: unknown) => {
      await model.close();
      throw err;
    });
    const resumedUnpaused = state.project !== undefined && !state.project.paused;
    let changed = (): void => undefined;
    const live: LiveRuns = { lastStep: new Map() };
    const topology = await PlanTopology.start({
      dir: opts.dir,
      logger: opts.logger,
      settings: opts.settings,
      services: StartJob.services,
      observe: async (bus) => {
        // Stored before the handler returns: the embedded bus settles a publish only then.
        const on = async <T extends { projectId: string } | Project>(
          def: Parameters<InProcessMessageBus['subscribe']>[0],
          apply: (v: T) => Promise<void>,
        ) =>
          bus.subscribe(def, `start-${def.type.replace(/\./g, '-')}`, async (d) => {
            const v = d.payload as T;
            if (('projectId' in v ? v.projectId : v.id) !== opts.projectId) return;
            await apply(v);
            changed();
          });
        await on<Task>(TaskUpdatedV1, (t) => model.task(state, t));
        await on<RunFinished>(RunFinishedV1, (f) => model.finished(state, f));
        await on<Run>(RunUpdatedV1, (r) => model.run(state, r));
        await on<Approval>(ApprovalRequestedV1, (a) => model.approval(state, a));
        await on<Approval>(ApprovalDecidedV1, (a) => model.approval(state, a));
        await on<Project>(ProjectUpdatedV1, (p) => model.project(state, p));
        await on<StepRecorded>(StepRecordedV1, (step) => {
          live.lastStep.set(step.taskId, `${step.kind}: ${step.summary}`);
          return Promise.resolve();
        });
      },
    }).catch(async (err: unknown) => {
      await model.close();
      throw err;
    });
    const job = new StartJob(topology, model, state, live, resumedUnpaused);
    changed = () => job.changed();
    return job;
  }

  /**
   * Creates the project, or gives the one an earlier start made the settings asked for now (a
   * raised budget lifts the pause it caused), and waits until the manager announced it so. A
   * project a person or a rule paused (not a budget) runs again: starting it is asking for that.
   * Returns the pause it lifted, in words, if any.
   */
  async createProject(request: StartRequest): Promise<string | undefined> {
    const routing = { projectId: request.projectId };
    const settings = {
      name: request.projectId,
      autonomyMode: request.autonomyMode,
      maxParallel: request.maxParallel,
      budgets: request.budgets,
      ...(request.schedule ? { schedule: request.schedule } : {}),
    };
    const before = this.state.project;
    if (!before) {
      await this.topology.bus.publish(
        ManagerCreateProjectV1,
        { projectId: request.projectId, repo: request.repo, ...settings, requestedBy },
        routing,
      );
      await this.until(
        'the manager to announce the new project',
        () => this.state.project !== undefined || undefined,
      );
      return undefined;
    }
    if (!sameSettings(before, settings)) {
      await this.topology.bus.publish(
        ManagerUpdateProjectV1,
        { projectId: request.projectId, ...settings, requestedBy },
        routing,
      );
      await this.until(
        'the manager to announce the project with its new settings',
        () => (this.state.project && sameSettings(this.state.project, settings)) || undefined,
      );
    }
    const now = this.state.project!;
    if (!now.paused || now.pause?.kind === 'budget') return undefined;
    const lifted = now.pause?.reason ?? 'paused';
    await this.topology.bus.publish(
      ManagerResumeProjectV1,
      { projectId: request.projectId, requestedBy },
      routing,
    );
    await this.until(
      'the manager to resume the project',
      () => (this.state.project && !this.state.project.paused) || undefined,
    );
    return lifted.startsWith(BETWEEN_STARTS) ? undefined : lifted;
  }

  /**
   * Pauses the project as this start ends (unless something paused it already), so that nothing
   * the next start finds ready runs before that start has shown what it will do and cost.
   */
  async pauseUntilNextStart(projectId: string): Promise<void> {
    if (!this.state.project || this.state.project.paused) return;
    await this.topology.bus.publish(
      ManagerPauseProjectV1,
      { projectId, requestedBy, reason: BETWEEN_STARTS },
      { projectId },
    );
    await this.until(
      'the manager to pause the project',
      () => this.state.project?.paused || undefined,
      10_000,
    );
  }

  noteBaseCommit(projectId: string, commit: string): Promise<void> {
    this.state.baseCommit = commit;
    return this.model.noteBaseCommit(projectId, commit);
  }

  plan(source: BlueprintSource, projectId: string): Promise<PlannedBlueprint> {
    return this.topology.planBlueprint(source, projectId);
  }

  async scan(repoPath: string, projectId: string): Promise<void> {
    await this.topology.scanRepo(repoPath, projectId);
  }

  /**
   * Follows the work until every task ended, or nothing can move without a person (approvals
   * waiting, a budget reached, a pause): no task queued or running for `quietMs`. `decide` answers
   * each approval as it appears.
   */
  async follow(opts: {
    readonly projectId: string;
    readonly quietMs: number;
    readonly decide: (approval: Approval) => Promise<ApprovalAnswer>;
    readonly onChange?: () => void;
    readonly signal?: AbortSignal;
  }): Promise<void> {
    const asked = new Set<string>();
    let quietSince: number | undefined;
    for (;;) {
      if (opts.signal?.aborted) return;
      for (const approval of this.state.approvals.values()) {
        if (approval.status !== 'pending' || asked.has(approval.id)) continue;
        asked.add(approval.id);
        const answer = await opts.decide(approval);
        if (answer === 'wait') continue;
        await this.topology.bus.publish(
          GovernanceDecideApprovalV1,
          {
            approvalId: approval.id,
            projectId: opts.projectId,
            decision: answer.decision,
            decidedBy: { kind: 'user', id: 'autopilot-start' },
            ...(answer.comment ? { comment: answer.comment } : {}),
          },
          { projectId: opts.projectId },
        );
      }
      const tasks = [...this.state.tasks.values()];
      if (tasks.length > 0 && tasks.every((t) => TERMINAL.has(t.status))) return;
      // A ready task of a project that runs will be dispatched at the next tick (outside its
      // schedule window it waits, and nothing moves until the window opens).
      const { project } = this.state;
      const runs = project !== undefined && !project.paused && scheduleIsOpen(project.schedule, Date.now());
      const moving = tasks.some((t) => MOVING.has(t.status) || (runs && t.status === 'ready'));
      const now = Date.now();
      if (moving) quietSince = undefined;
      else if (quietSince === undefined) quietSince = now;
      else if (now - quietSince >= opts.quietMs) return;
      opts.onChange?.();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async stop(): Promise<void> {
    try {
      await this.topology.stop();
    } finally {
      await this.model.close();
    }
  }

  private async until<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new StartServicesTimeoutError(what, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Whether `project` has these settings (JSON-equal, key order aside). */
function sameSettings(
  project: Project,
  settings: Pick<Project, 'name' | 'autonomyMode' | 'maxParallel' | 'budgets' | 'schedule'>,
): boolean {
  const { name, autonomyMode, maxParallel, budgets, schedule } = project;
  return canonicalJson({ name, autonomyMode, maxParallel, budgets, schedule }) === canonicalJson(settings);
}

/** The in-process services did not announce what the start waits for. */
export class StartServicesTimeoutError extends AutopilotError {
  readonly code = 'START_SERVICES_TIMEOUT';
  constructor(what: string, timeoutMs: number) {
    super(`waited ${timeoutMs / 1000} s for ${what}; the services did not answer`);
  }
}
