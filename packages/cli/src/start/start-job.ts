import type { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  ApprovalDecidedV1,
  ApprovalRequestedV1,
  BudgetExceededV1,
  GovernanceDecideApprovalV1,
  ManagerCreateProjectV1,
  ProjectUpdatedV1,
  RunFinishedV1,
  TaskUpdatedV1,
  type Approval,
  type AutonomyMode,
  type BudgetCaps,
  type Project,
  type RunFinishedV1 as RunFinished,
  type Schedule,
  type Task,
} from '@autopilot/contracts';
import { governanceService } from '@autopilot/governance';
import { type BlueprintSource } from '@autopilot/ingestion';
import { managerService } from '@autopilot/manager';
import type { Logger, SettingsByService } from '@autopilot/runtime';
import { workerService } from '@autopilot/worker';
import { PlanTopology, type PlannedBlueprint } from '../plan/plan-pipeline';

/** What `autopilot start` asks for. */
export interface StartRequest {
  readonly projectId: string;
  readonly repo: { readonly location: string; readonly defaultBranch: string };
  readonly autonomyMode: AutonomyMode;
  readonly budgets: BudgetCaps;
  readonly maxParallel: number;
  readonly schedule?: Schedule;
}

/** What happened, as the services announced it. */
export interface StartState {
  readonly tasks: Map<string, Task>;
  /** The last `run.finished` of each task. */
  readonly finished: Map<string, RunFinished>;
  readonly approvals: Map<string, Approval>;
  project?: Project;
  budgetStop?: string;
}

/** A person's answer to an approval: approve, reject with a reason, or leave it waiting. */
export type ApprovalAnswer =
  { readonly decision: 'approved' | 'rejected'; readonly comment?: string } | 'wait';

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
  readonly state: StartState = { tasks: new Map(), finished: new Map(), approvals: new Map() };
  private changed: () => void = () => undefined;

  private constructor(private readonly topology: PlanTopology) {}

  static async start(opts: {
    dir: string;
    logger: Logger;
    settings: SettingsByService;
    projectId: string;
  }): Promise<StartJob> {
    // The job exists once the services started; what they announce before is applied then.
    const made: { job?: StartJob } = {};
    const pending: (() => void)[] = [];
    const state = (): StartState | undefined => made.job?.state;
    const topology = await PlanTopology.start({
      dir: opts.dir,
      logger: opts.logger,
      settings: opts.settings,
      services: StartJob.services,
      observe: async (bus) => {
        const mine = (p: { projectId: string }) => p.projectId === opts.projectId;
        const on = async <T>(
          def: Parameters<InProcessMessageBus['subscribe']>[0],
          apply: (s: StartState, v: T) => void,
        ) =>
          bus.subscribe(def, `start-${def.type.replace(/\./g, '-')}`, async (d) => {
            const v = d.payload as T;
            const s = state();
            if (!s) {
              pending.push(() => apply(made.job!.state, v));
              return;
            }
            apply(s, v);
            made.job!.changed();
          });
        await on<Task>(TaskUpdatedV1, (s, t) => {
          const seen = s.tasks.get(t.id);
          if (mine(t) && (!seen || seen.revision <= t.revision)) s.tasks.set(t.id, t);
        });
        await on<RunFinished>(RunFinishedV1, (s, f) => {
          if (mine(f)) s.finished.set(f.taskId, f);
        });
        await on<Approval>(ApprovalRequestedV1, (s, a) => {
          if (mine(a)) s.approvals.set(a.id, a);
        });
        await on<Approval>(ApprovalDecidedV1, (s, a) => {
          if (mine(a)) s.approvals.set(a.id, a);
        });
        await on<Project>(ProjectUpdatedV1, (s, p) => {
          if (p.id === opts.projectId) s.project = p;
        });
        await on<{ projectId: string; scope: string; capUsd: number }>(BudgetExceededV1, (s, b) => {
          if (mine(b) && b.scope !== 'run')
            s.budgetStop = `the ${b.scope} budget of $${b.capUsd.toFixed(2)} was reached`;
        });
      },
    });
    const job = new StartJob(topology);
    made.job = job;
    for (const apply of pending.splice(0)) apply();
    return job;
  }

  /** Creates (or updates) the project and waits until the manager announced it. */
  async createProject(request: StartRequest): Promise<void> {
    await this.topology.bus.publish(
      ManagerCreateProjectV1,
      {
        projectId: request.projectId,
        name: request.projectId,
        repo: request.repo,
        autonomyMode: request.autonomyMode,
        maxParallel: request.maxParallel,
        budgets: request.budgets,
        ...(request.schedule ? { schedule: request.schedule } : {}),
        requestedBy: { kind: 'user', id: 'autopilot-start' },
      },
      { projectId: request.projectId },
    );
    await this.until(() => this.state.project !== undefined || undefined);
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
      // A ready task of a project that runs will be dispatched at the next tick.
      const runs = this.state.project !== undefined && !this.state.project.paused;
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

  stop(): Promise<void> {
    return this.topology.stop();
  }

  private async until<T>(check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('the services did not answer in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
