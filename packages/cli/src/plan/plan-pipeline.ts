import { resolve } from 'node:path';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  IngestionScanRepoV1,
  IngestionSubmitBlueprintV1,
  type GapReportCreatedV1,
  type IngestionWarning,
  type PlanGeneratedV1,
  type PlanProposalCreatedV1,
  type TasksGeneratedV1,
} from '@autopilot/contracts';
import { ingestionService, submitBlueprintCommand, type BlueprintSource } from '@autopilot/ingestion';
import { currentBranch } from '@autopilot/git';
import { ulidSource } from '@autopilot/kernel';
import { plannerService } from '@autopilot/planner';
import { busLogFor, type Logger, type ServiceDefinition, type SettingsByService } from '@autopilot/runtime';
import { startEmbedded, type RunningTopology } from '@autopilot/runtime/topology';
import { jobFailed, PlanFailedError } from './plan-failure';
import { PlanJobWatch, type IngestedSummary } from './plan-job-events';

/** Everything `autopilot plan` prints, as the services announced it. */
export interface PlanReport {
  blueprint: IngestedSummary;
  /** What ingestion warned about (secrets in the blueprint), for stderr; never part of the plan output. */
  warnings: IngestionWarning[];
  plan: PlanGeneratedV1;
  tasks: TasksGeneratedV1;
  repo?: { report: GapReportCreatedV1; proposal?: PlanProposalCreatedV1 };
}

export interface PlanTopologyOptions {
  /** Holds `ingestion.db` and `planner.db`. */
  dir: string;
  logger: Logger;
  /** How often each outbox relay polls besides being nudged on commit. Default 250. */
  outboxIntervalMs?: number;
  /** The services' parsed settings (`readServiceSettings(PlanTopology.services, env)`); default their defaults. */
  settings?: SettingsByService;
  /** The services to run; default ingestion and the planner (`autopilot start` adds the rest). */
  services?: readonly ServiceDefinition[];
  /** Subscribes what the caller watches on the bus before any service publishes. */
  observe?: (bus: InProcessMessageBus) => Promise<void>;
  /**
   * The largest message body (AUTOPILOT_MAX_MESSAGE_BYTES): the bus's cap, and the outbox of every
   * service refuses a larger envelope (a plan past it is rejected). Default 64 MiB.
   */
  maxMessageBytes?: number;
}

/** A planned blueprint as the services announced it, and how long each step took from submission. */
export interface PlannedBlueprint {
  blueprint: IngestedSummary;
  warnings: IngestionWarning[];
  plan: PlanGeneratedV1;
  tasks: TasksGeneratedV1;
  /** Milliseconds from submitting the blueprint until it was ingested, and until it was planned. */
  elapsedMs: { ingested: number; planned: number };
}

/** What a repository scan came to (`PlanTopology.scanRepo`). */
export interface ScannedRepo {
  report: GapReportCreatedV1;
  proposal?: PlanProposalCreatedV1;
  /** The plan asked about (`checkedPlanId`), as the planner checked it against the scan. */
  checked?: { plan: PlanGeneratedV1; tasks: TasksGeneratedV1 };
}

const requestedBy = { kind: 'system', id: 'autopilot-plan' } as const;

/**
 * The ingestion and planner services in this process, exactly as `autopilot up` runs them (embedded
 * topology: in-process bus, one SQLite store each), with this process publishing their commands and
 * waiting for their events: the code path of a real deployment, not a separate parser.
 */
export class PlanTopology {
  /** The services `autopilot plan` runs. */
  static readonly services = [ingestionService, plannerService] as const;
  private readonly ids = ulidSource();

  private constructor(
    private readonly running: RunningTopology,
    /** The bus this process sends commands on, in the gateway's role. */
    readonly bus: InProcessMessageBus,
    private readonly watch: PlanJobWatch,
  ) {}

  static async start(opts: PlanTopologyOptions): Promise<PlanTopology> {
    const bus = new InProcessMessageBus({
      // This process is the front end of its in-process topology, in the gateway's role: it sends
      // the commands the gateway sends on people's behalf (`requestedBy` names it), and the services
      // accept those only from their producer, the gateway (provenance checks).
      source: 'gateway',
      log: busLogFor(opts.logger),
      settle: 'on-consume',
      ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
    });
    const watch = await PlanJobWatch.start(bus);
    await opts.observe?.(bus);
    const running = await startEmbedded({
      services: opts.services ?? PlanTopology.services,
      dir: opts.dir,
      // The health endpoints on any free local port: nothing here is served to anyone.
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: opts.outboxIntervalMs ?? 250,
      logger: opts.logger,
      bus,
      ...(opts.settings ? { settings: opts.settings } : {}),
      // The same cap as the bus's: what a consumer would refuse is refused at the commit.
      ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
    });
    const topology = new PlanTopology(running, bus, watch);
    try {
      await running.started;
    } catch (err) {
      await topology.stop();
      throw err;
    }
    return topology;
  }

  /**
   * Submits the blueprint (`cmd.ingestion.submit_blueprint`) and waits for the job to finish (its
   * done `ingestion.progress`, committed with `blueprint.ingested`), then `plan.generated` and
   * `tasks.generated` of that version. Rejects with PlanFailedError when ingestion fails the job or
   * the planner rejects the blueprint.
   */
  async planBlueprint(source: BlueprintSource, projectId: string): Promise<PlannedBlueprint> {
    const jobId = this.ids.next();
    try {
      return await this.planJob(jobId, source, projectId);
    } finally {
      this.watch.forget(jobId);
    }
  }

  private async planJob(
    jobId: string,
    source: BlueprintSource,
    projectId: string,
  ): Promise<PlannedBlueprint> {
    const submittedAt = performance.now();
    await this.bus.publish(
      IngestionSubmitBlueprintV1,
      submitBlueprintCommand(source, { jobId, projectId, requestedBy }),
      { correlationId: jobId },
    );
    const blueprint = await this.watch.until(jobId, (job) => {
      if (job.failed) throw jobFailed(job.failed, `${source.sourcePath}: `);
      return job.ingested;
    });
    const ingestedMs = performance.now() - submittedAt;
    const planned = await this.watch.until(jobId, (job) => {
      if (job.failed) throw jobFailed(job.failed, `${source.sourcePath}: `);
      if (job.rejected) {
        const { error } = job.rejected;
        throw new PlanFailedError(error.code, `${source.sourcePath}: cannot plan: ${error.message}`, true);
      }
      const { plan, tasks } = job;
      if (!plan || !tasks || plan.blueprintVersion !== blueprint.version) return undefined;
      return { blueprint, plan, tasks, warnings: job.warnings ?? [] };
    });
    return { ...planned, elapsedMs: { ingested: ingestedMs, planned: performance.now() - submittedAt } };
  }

  /**
   * Scans the repository (`cmd.ingestion.scan_repo`) and waits for `repo.scanned`, the planner's
   * `gap_report.created` and, when the report names one (`proposalId`), `plan_proposal.created`.
   * With `checkedPlanId` (a plan of the project made before the scan), also waits for that plan as
   * the planner checked it against the scanned repository (issue 17: scope and validation), which
   * the planner announces for every plan of the project when a scan comes in.
   */
  async scanRepo(repoPath: string, projectId: string, checkedPlanId?: string): Promise<ScannedRepo> {
    const jobId = this.ids.next();
    try {
      return await this.scanJob(jobId, repoPath, projectId, checkedPlanId);
    } finally {
      this.watch.forget(jobId);
    }
  }

  private async scanJob(
    jobId: string,
    repoPath: string,
    projectId: string,
    checkedPlanId: string | undefined,
  ): Promise<ScannedRepo> {
    const location = resolve(repoPath);
    // The branch checked out is metadata on the scan; a detached HEAD is reported as `main`.
    const defaultBranch = (await currentBranch(location).catch(() => undefined)) ?? 'main';
    await this.bus.publish(
      IngestionScanRepoV1,
      // What is checked out, whatever the branch is called.
      { jobId, projectId, repo: { location, defaultBranch }, ref: 'HEAD', requestedBy },
      { correlationId: jobId },
    );
    const report = await this.watch.until(jobId, (job) => {
      // Scan errors name the repository themselves.
      if (job.failed) throw jobFailed(job.failed);
      return job.gapReport;
    });
    const proposal =
      report.proposalId === undefined
        ? undefined
        : await this.watch.until(jobId, (job) =>
            job.proposal?.id === report.proposalId ? job.proposal : undefined,
          );
    const gaps = { report, ...(proposal ? { proposal } : {}) };
    if (checkedPlanId === undefined) return gaps;
    const checked = await this.watch.until(jobId, (job) => {
      if (job.failed) throw jobFailed(job.failed);
      const plan = job.plans?.get(checkedPlanId);
      const tasks = job.taskGraphs?.get(checkedPlanId);
      return plan && tasks && plan.revision === tasks.planRevision ? { plan, tasks } : undefined;
    });
    return { ...gaps, checked };
  }

  async stop(): Promise<void> {
    await this.running.stop();
  }
}
