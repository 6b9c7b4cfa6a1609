import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { AutonomyMode, BudgetCaps, Schedule } from '@autopilot/contracts';
import { readBlueprintSource } from '@autopilot/ingestion';
import { currentBranch, Git } from '@autopilot/git';
import { createLogger, readServiceSettings, type Logger } from '@autopilot/runtime';
import { Writable } from 'node:stream';
import { allowRepoRoot } from '../plan/plan-repo-root';
import { inert } from '../terminal-text';
import { StartJob, type ApprovalAnswer } from './start-job';
import { exitCodeOf, renderStartReport } from './start-report';
import { startReportOf } from './start-report-of';
import type { Approval } from '@autopilot/contracts';

/** Everything a start needs, flags and environment already checked. */
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
  /** How an approval is answered; default: it waits for a person. */
  readonly decide?: (approval: Approval) => Promise<ApprovalAnswer>;
  /** Lines for the person (stdout). */
  readonly say: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** How long nothing may move before the start stops and reports (runs waiting on people or budgets). */
const QUIET_MS = 3_000;

/**
 * `autopilot start` on the embedded topology: the project in `--dir`, the blueprint planned, the
 * repository scanned, then the work followed until it is done or waits for a person; the report,
 * and the exit code (0 done, 3 waiting, 1 a failure).
 */
export async function runStart(opts: StartOptions): Promise<0 | 1 | 3> {
  const repo = resolve(opts.repo);
  const git = new Git(repo);
  const defaultBranch = (await currentBranch(repo).catch(() => undefined)) ?? 'main';
  const baseCommit = await git.resolveCommit('HEAD');
  const source = await readBlueprintSource(opts.blueprint);
  // One project per repository in a --dir: a second start on the same repository resumes it.
  const projectId = `p-${createHash('sha256').update(repo).digest('hex').slice(0, 12)}`;
  // The person named the repository on their own machine: that one directory may be scanned.
  const settings = allowRepoRoot(
    // The tick a person waits on: every second unless configured (a deployment ticks every 5 s).
    readServiceSettings(StartJob.services, { AUTOPILOT_MANAGER_TICK_MS: '1000', ...opts.env }),
    repo,
  );
  const job = await StartJob.start({ dir: opts.dir, logger: quietLogger(), settings, projectId });
  try {
    await job.createProject({
      projectId,
      repo: { location: repo, defaultBranch },
      autonomyMode: opts.autonomyMode,
      budgets: opts.budgets,
      maxParallel: opts.maxParallel,
      ...(opts.schedule ? { schedule: opts.schedule } : {}),
    });
    await job.scan(repo, projectId);
    const planned = await job.plan(source, projectId);
    const tasks = planned.tasks.tasks;
    opts.say(`Blueprint ${inert(source.sourcePath ?? opts.blueprint)}: ${tasks.length} tasks`);
    for (const t of tasks)
      opts.say(
        `  - ${inert(t.id)}: ${inert(t.title)}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}`,
      );
    opts.say(
      `Repository ${inert(repo)} from commit ${baseCommit.slice(0, 12)} (${inert(defaultBranch)} is never written)`,
    );
    opts.say(
      `Budgets: $${opts.budgets.runUsd.toFixed(2)} per run, $${opts.budgets.dailyUsd.toFixed(2)} per day, $${opts.budgets.weeklyUsd.toFixed(2)} per week`,
    );
    let lastDone = -1;
    await job.follow({
      projectId,
      quietMs: QUIET_MS,
      decide: opts.decide ?? (() => Promise.resolve('wait' as const)),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onChange: () => {
        const all = [...job.state.tasks.values()];
        const done = all.filter((t) => t.status === 'succeeded').length;
        if (done !== lastDone) {
          lastDone = done;
          const running = all.filter((t) => t.status === 'running').map((t) => t.id);
          opts.say(
            `progress: ${done}/${all.length} done${running.length ? `; running ${running.join(', ')}` : ''}`,
          );
        }
      },
    });
    const report = await startReportOf({
      projectId,
      state: job.state,
      repo,
      defaultBranch,
      baseCommit,
      budgets: opts.budgets,
    });
    if (opts.json) opts.say(JSON.stringify(report));
    else for (const line of renderStartReport(report)) opts.say(line);
    return exitCodeOf(report);
  } finally {
    await job.stop();
  }
}

/** The services' own log lines stay out of the person's way (they are for operators). */
function quietLogger(): Logger {
  return createLogger({
    service: 'autopilot',
    level: 'fatal',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
}
