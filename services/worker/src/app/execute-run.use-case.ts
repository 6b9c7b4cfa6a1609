import { Inject, Injectable } from '@nestjs/common';
import { RunFinishedV1, RunStartedV1, type WorkerExecuteRunV1 } from '@autopilot/contracts';
import { Clock, describeError, Timers } from '@autopilot/kernel';
import { OutboxEnvelopes, ServiceSettings } from '@autopilot/runtime';
import { decideAdmission } from '../domain/run/run-admission';
import { resumePoint } from '../domain/run/run-steps';
import type { WorkerSettings } from '../worker-settings';
import {
  CommandRunner,
  RunContextSources,
  RunGovernance,
  RunJournal,
  RunModel,
  RunReports,
  RunWorkspaces,
  WorkerIdentity,
  WorkerLog,
  WorkerTools,
  type RunJournalEntry,
  type Workspace,
} from './ports';
import { RunSession, type RunEnd, type RunSessionDeps } from './run-session';

export type { RunEnd };

/** How the handler follows a run: a heartbeat while it is long. */
export interface ExecuteRunOptions {
  /** Tells the bus the delivery is still being worked on (BusContext.working). */
  readonly working?: () => void;
  /** Aborts this run the graceful way (finish the step, checkpoint, hand back). */
  readonly signal?: AbortSignal;
}

/** Tokens remembered per run, so a stale redelivery is recognised (bounded: oldest forgotten first). */
const REMEMBERED_RUNS = 10_000;

/**
 * `worker.execute_run`: one run of a task, fresh or resumed, on this replica (DESIGN.md sections 4
 * to 7, issue 15). Admission first (fencing, the worker's side: a stale or lapsed lease, a run
 * already executing here); then the worktree (provisioned, or reconciled on resume, adopting a
 * checkpoint the branch holds beyond the recorded one), `run.started`, and the run session
 * (RunSession) to its end: `run.finished`, `run.suspended`, or a graceful hand-back.
 *
 * Graceful shutdown (`handBackAll`, or the caller's signal): the run finishes its current step,
 * commits a checkpoint, stores its journal and stops *without a report*. The alternatives were
 * worse: `run.suspended` only knows "awaiting approval" and "awaiting budget", and either would park
 * the task for a person with nothing to decide; a nak would redeliver the command to another
 * replica under the same fencing token while this one may still be writing. Without a report the
 * lease lapses, the manager's tick requeues the run under a new token (the old one is fenced off),
 * and the next worker adopts the checkpoint from the branch.
 */
@Injectable()
export class ExecuteRunUseCase {
  /** Runs executing here: their fencing token and how to hand them back. */
  private readonly active = new Map<
    string,
    { token: number; abort: AbortController; ended: Promise<unknown> }
  >();
  private readonly seen = new Map<string, number>();
  private readonly deps: RunSessionDeps;

  constructor(
    @Inject(RunWorkspaces) workspaces: RunWorkspaces,
    @Inject(WorkerTools) tools: WorkerTools,
    @Inject(RunModel) model: RunModel,
    @Inject(RunGovernance) governance: RunGovernance,
    @Inject(CommandRunner) commands: CommandRunner,
    @Inject(RunReports) reports: RunReports,
    @Inject(RunJournal) journal: RunJournal,
    @Inject(RunContextSources) sources: RunContextSources,
    @Inject(OutboxEnvelopes) envelopes: OutboxEnvelopes,
    @Inject(Clock) clock: Clock,
    @Inject(Timers) private readonly timers: Timers,
    @Inject(ServiceSettings) settings: WorkerSettings,
    @Inject(WorkerIdentity) private readonly identity: WorkerIdentity,
    @Inject(WorkerLog) log: WorkerLog,
  ) {
    this.deps = {
      workspaces,
      tools,
      model,
      governance,
      commands,
      reports,
      journal,
      sources,
      envelopes,
      clock,
      settings,
      log,
    };
  }

  /** Runs `command` to its end on this replica. Resolves once the run ended, suspended or was handed back. */
  async execute(command: WorkerExecuteRunV1, opts: ExecuteRunOptions = {}): Promise<RunEnd> {
    const { log, settings } = this.deps;
    let admission = this.admit(command);
    while (admission.kind === 'supersede') {
      const older = this.active.get(command.runId);
      log.warn('worker: a newer fencing token supersedes the run executing here; handing it back first', {
        runId: command.runId,
        fencingToken: command.fencingToken,
        staleToken: admission.token,
      });
      older?.abort.abort();
      await older?.ended;
      admission = this.admit(command);
    }
    if (admission.kind === 'skip') {
      log.warn('worker: run not executed', { runId: command.runId, reason: admission.reason });
      return { kind: 'skipped', reason: admission.reason };
    }
    this.remember(command.runId, command.fencingToken);
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) abort.abort();
    const working = opts.working ?? ((): void => undefined);
    const heartbeat = this.timers.every(settings.heartbeatMs, working, { unref: true });
    const ended = this.run(command, abort.signal, working).finally(() => {
      heartbeat.cancel();
      opts.signal?.removeEventListener('abort', onAbort);
      if (this.active.get(command.runId)?.token === command.fencingToken) this.active.delete(command.runId);
    });
    this.active.set(command.runId, {
      token: command.fencingToken,
      abort,
      ended: ended.catch(() => undefined),
    });
    return ended;
  }

  /** The admission of `command` as things stand (see decideAdmission). */
  private admit(command: WorkerExecuteRunV1) {
    return decideAdmission({
      runId: command.runId,
      fencingToken: command.fencingToken,
      leaseExpiresAt: command.leaseExpiresAt,
      now: this.deps.clock.now(),
      activeToken: this.active.get(command.runId)?.token,
      highestTokenSeen: this.seen.get(command.runId),
    });
  }

  /** Asks every run executing here to hand back (graceful shutdown); resolves at once. */
  handBackAll(): void {
    for (const { abort } of this.active.values()) abort.abort();
  }

  /** Runs executing here now (for readiness and tests). */
  activeRuns(): string[] {
    return [...this.active.keys()];
  }

  private async run(command: WorkerExecuteRunV1, signal: AbortSignal, working: () => void): Promise<RunEnd> {
    const { workspaces, journal, envelopes, clock, log } = this.deps;
    // The manager names the branch (one rule, services/manager/src/domain/run/run-branch.ts).
    const branch = command.branch;
    let ws: Workspace;
    try {
      ws = await workspaces.provision({
        projectId: command.projectId,
        runId: command.runId,
        taskId: command.taskId,
        repo: command.repo,
        branch,
        baseCommit: command.baseCommit,
        ...(command.resumeFrom ? { resumeFrom: command.resumeFrom } : {}),
      });
    } catch (err) {
      return this.failBeforeStart(
        command,
        branch,
        `the worktree could not be provisioned: ${describeError(err)}`,
      );
    }
    const resume = resumePoint(command.resumeFrom, ws.adopted);
    if (resume.adopted) {
      log.info('worker: adopted a checkpoint the branch holds beyond the recorded one', {
        runId: command.runId,
        commit: resume.checkpointCommit,
        lastStepSeq: resume.lastStepSeq,
      });
    }
    let entry: RunJournalEntry | undefined;
    if (resume.checkpointCommit) {
      entry = await journal.load(command.runId, resume.checkpointCommit).catch((err: unknown) => {
        log.warn('worker: the run journal could not be read; the run rebuilds its context from the task', {
          runId: command.runId,
          error: describeError(err),
        });
        return undefined;
      });
    }
    await this.deps.reports.send([
      envelopes.build(
        RunStartedV1,
        {
          runId: command.runId,
          taskId: command.taskId,
          projectId: command.projectId,
          fencingToken: command.fencingToken,
          workerId: this.identity.workerId,
          branch: ws.branch,
          baseCommit: ws.baseCommit,
          ...(resume.checkpointCommit ? { resumedFrom: resume.checkpointCommit } : {}),
          startedAt: clock.isoNow(),
        },
        { correlationId: command.runId },
      ),
    ]);
    working();
    const session = new RunSession(this.deps, command, ws, resume, entry, signal, working);
    return session.run(resume.checkpointCommit !== undefined);
  }

  /** The run could not even start (no worktree): it ends failed, so the manager's loop guard decides. */
  private async failBeforeStart(
    command: WorkerExecuteRunV1,
    branch: string,
    message: string,
  ): Promise<RunEnd> {
    const failure = { code: 'WORKER_INFRASTRUCTURE', message: message.slice(0, 2000) };
    await this.deps.reports.send(
      [
        this.deps.envelopes.build(
          RunFinishedV1,
          {
            runId: command.runId,
            taskId: command.taskId,
            projectId: command.projectId,
            fencingToken: command.fencingToken,
            outcome: 'failed',
            branch,
            costUsd: 0,
            tokens: { input: 0, output: 0 },
            diff: { filesChanged: 0, insertions: 0, deletions: 0 },
            tests: { passed: 0, failed: 0 },
            durationMs: 0,
            steps: command.resumeFrom?.lastStepSeq ?? 0,
            confidence: 0,
            failure,
            finishedAt: this.deps.clock.isoNow(),
          },
          { correlationId: command.runId },
        ),
      ],
      { completesHandling: true },
    );
    return { kind: 'finished', outcome: 'failed', failure };
  }

  private remember(runId: string, token: number): void {
    const highest = Math.max(token, this.seen.get(runId) ?? 0);
    this.seen.delete(runId);
    this.seen.set(runId, highest);
    if (this.seen.size > REMEMBERED_RUNS) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
