import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Approval, AutonomyMode, BudgetCaps, Schedule } from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import { createLogger, readServiceSettings, type Logger } from '@autopilot/runtime';
import { scheduleIsOpen } from '@autopilot/manager';
import type { WorkerSettings } from '@autopilot/worker';
import { allowRepoRoot } from '../plan/plan-repo-root';
import { progressViewFor } from '../progress/progress-view-for';
import type { ProgressOutput } from '../progress/progress-view';
import { inert } from '../terminal-text';
import { estimateCostRange } from './start-estimate';
import { checkModelAccess, modelServerOf, readStartInput, StartInputError } from './start-input';
import { StartJob, type ApprovalAnswer } from './start-job';
import { progressSnapshotOf } from './start-progress';
import { exitCodeOf, renderStartReport } from './start-report';
import { startReportOf } from './start-report-of';

/** Everything a start needs, its flags already parsed. */
export interface StartOptions {
  readonly blueprint: string;
  readonly repo: string;
  readonly dir: string;
  readonly autonomyMode: AutonomyMode;
  readonly budgets: BudgetCaps;
  readonly maxParallel: number;
  readonly schedule?: Schedule;
  /** The services' environment (model, price table, …). */
  readonly env: NodeJS.ProcessEnv;
  readonly json: boolean;
  /** Start at once: no wait for Ctrl-C after the summary. */
  readonly yes: boolean;
  /** How an approval is answered; default: it waits for a person. */
  readonly decide?: (approval: Approval) => Promise<ApprovalAnswer>;
  /** Where the person reads it all (stdout): a terminal gets live bars. */
  readonly out: ProgressOutput;
  /** Aborted by SIGINT or SIGTERM: the start stops at the next safe point. */
  readonly signal?: AbortSignal;
  /** The last look before money is spent, on a terminal without --yes (ms). Default 5000. */
  readonly graceMs?: number;
}

/** 0 every task done, 3 waiting for a person, 1 a failure, 130 stopped by a signal. */
export type StartExit = 0 | 1 | 3 | 130;

/** How long nothing may move before the start stops and reports (runs waiting on people or budgets). */
const QUIET_MS = 3_000;
const DEFAULT_GRACE_MS = 5_000;

/**
 * `autopilot start` on the embedded topology: the input checked (blueprint, repository, model)
 * before anything starts, the blueprint planned and the repository scanned, a summary of what it
 * will do and may cost, then the work followed with live progress until it is done or waits for a
 * person; the report and the exit code. The project and what the services announced are kept in
 * `--dir`, so the next start resumes: runs left in flight are resumed from their checkpoints.
 * @throws StartInputError or ConfigError for bad input (exit 2), before anything is started.
 */
export async function runStart(opts: StartOptions): Promise<StartExit> {
  const input = await readStartInput(opts.blueprint, opts.repo, opts.dir);
  const { repo, defaultBranch, baseCommit } = input;
  const settings = allowRepoRoot(
    readServiceSettings(StartJob.services, {
      // The tick a person waits on: every second unless configured (a deployment ticks every 5 s).
      AUTOPILOT_MANAGER_TICK_MS: '1000',
      // The workers live and die with this process: what the last one left in flight resumes at once.
      AUTOPILOT_MANAGER_RECLAIM_RUNS_AT_START: 'true',
      ...opts.env,
    }),
    repo,
  );
  const model = (settings.get('worker') as WorkerSettings | undefined)?.model;
  if (!model) {
    throw new StartInputError(
      'no model is configured: set AUTOPILOT_WORKER_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server). To see Autopilot work without one, run `autopilot demo`.',
    );
  }
  await checkModelAccess(model);

  // One project per repository in a --dir: a second start on the same repository resumes it.
  const projectId = `p-${createHash('sha256').update(repo).digest('hex').slice(0, 12)}`;
  await mkdir(opts.dir, { recursive: true });
  const view = progressViewFor(opts.out, { json: opts.json });
  const say = (line: string): void => view.say(line);
  const job = await StartJob.start({ dir: opts.dir, logger: quietLogger(), settings, projectId });
  let interrupted: boolean;
  try {
    await job.noteBaseCommit(projectId, baseCommit);
    await job.scan(repo, projectId);
    const planned = await job.plan(input.source, projectId);
    const tasks = planned.tasks.tasks;
    const done = new Set(
      [...job.state.tasks.values()].filter((t) => t.status === 'succeeded').map((t) => t.id),
    );
    const toDo = tasks.filter((t) => !done.has(t.id));
    const ready = toDo.filter((t) => t.dependsOn.every((d) => done.has(d)));
    const cost = estimateCostRange(toDo, opts.budgets.runUsd);
    say(
      `Blueprint ${inert(input.source.sourcePath ?? opts.blueprint)}: ${tasks.length} tasks` +
        (done.size > 0 ? `, ${done.size} done before` : ''),
    );
    for (const t of tasks)
      say(
        `  ${done.has(t.id) ? '✓' : '-'} ${t.id}: ${t.title}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}`,
      );
    say(`Ready to start: ${ready.length ? ready.map((t) => t.id).join(', ') : 'none'}`);
    say(
      `Repository ${repo} from commit ${baseCommit.slice(0, 12)} (${defaultBranch} is never written)` +
        (input.uncommitted > 0
          ? `; ${input.uncommitted} uncommitted change${input.uncommitted === 1 ? ' is' : 's are'} not part of the work`
          : ''),
    );
    say(
      `Estimated cost: $${cost.lowUsd.toFixed(2)}–$${cost.highUsd.toFixed(2)} for ${cost.tasks} task${cost.tasks === 1 ? '' : 's'}; ` +
        `budgets: $${opts.budgets.runUsd.toFixed(2)} per run, $${opts.budgets.dailyUsd.toFixed(2)} per day, $${opts.budgets.weeklyUsd.toFixed(2)} per week`,
    );
    say(`Model: ${model.routing.roles.worker_code.cheap} at ${modelServerOf(model)}`);
    if (job.resumedUnpaused) {
      // A start killed before it could pause the project: its runs went on as the services started.
      say('The last start with this --dir did not end cleanly: the runs it left went on at once.');
    }
    if (opts.out.isTTY === true && !opts.yes && !opts.json) {
      const spent = job.resumedUnpaused ? '' : ', nothing spent';
      say(
        `Starting in ${Math.round((opts.graceMs ?? DEFAULT_GRACE_MS) / 1000)} s: Ctrl-C stops here${spent}.`,
      );
      if (await abortedWithin(opts.signal, opts.graceMs ?? DEFAULT_GRACE_MS)) {
        say(job.resumedUnpaused ? 'Stopped.' : 'Stopped before anything ran: nothing was spent.');
        return 130;
      }
    }

    const lifted = await job.createProject({
      projectId,
      repo: { location: repo, defaultBranch },
      autonomyMode: opts.autonomyMode,
      budgets: opts.budgets,
      maxParallel: opts.maxParallel,
      ...(opts.schedule ? { schedule: opts.schedule } : {}),
    });
    if (lifted) say(`The project was paused (${lifted}); starting it again resumes it.`);
    const decide = opts.decide ?? (() => Promise.resolve('wait' as const));
    await job.follow({
      projectId,
      quietMs: QUIET_MS,
      decide: async (approval) => {
        view.pause();
        try {
          return await decide(approval);
        } finally {
          view.resume();
        }
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
      onChange: () => view.update(progressSnapshotOf(job.state, job.live, opts.budgets)),
    });
    interrupted = opts.signal?.aborted === true;
    const { project } = job.state;
    if (
      project?.schedule &&
      !scheduleIsOpen(project.schedule, Date.now()) &&
      [...job.state.tasks.values()].some((t) => t.status === 'ready')
    ) {
      say('Outside the --schedule window: ready tasks wait for it; start again once it is open.');
    }
  } finally {
    view.stop();
    const notPaused = await job.pauseUntilNextStart(projectId).then(
      () => undefined,
      (err: unknown) => err,
    );
    await job.stop();
    if (notPaused !== undefined)
      opts.out.write(
        `warning: could not pause the project for the next start (${inert(describeError(notPaused))}): the runs it leaves go on as soon as the next start begins\n`,
      );
  }

  const report = await startReportOf({
    projectId,
    state: job.state,
    repo,
    defaultBranch,
    baseCommit,
    budgets: opts.budgets,
  });
  const print = (line: string): void => void opts.out.write(`${line}\n`);
  if (opts.json) print(JSON.stringify(report));
  else for (const line of renderStartReport(report)) print(line);
  if (interrupted) {
    print(
      opts.json
        ? JSON.stringify({ type: 'note', text: 'interrupted: runs in flight were checkpointed' })
        : 'Interrupted: runs in flight were checkpointed; `autopilot start` with the same --dir resumes them.',
    );
    return 130;
  }
  return exitCodeOf(report);
}

/** Whether `signal` aborts within `ms` (the last look before money is spent). */
function abortedWithin(signal: AbortSignal | undefined, ms: number): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The services' own log lines stay out of the person's way (they are for operators). */
function quietLogger(): Logger {
  return createLogger({
    service: 'autopilot',
    level: 'fatal',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
}
