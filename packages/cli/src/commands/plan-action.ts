import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueprintRejectedError, readBlueprintSource, type BlueprintSource } from '@autopilot/ingestion';
import { ConfigError, describeError } from '@autopilot/kernel';
import {
  createLogger,
  LOG_LEVELS,
  readMaxMessageBytes,
  readServiceSettings,
  type Logger,
  type LogLevel,
} from '@autopilot/runtime';
import { ExitCode } from '../exit-codes';
import { inert } from '../terminal-text';
import { PlanDeadline } from '../plan/plan-deadline';
import { PlanFailedError } from '../plan/plan-failure';
import { planOutput } from '../plan/plan-output';
import { PlanTopology, type PlanReport } from '../plan/plan-pipeline';
import { allowRepoRoot } from '../plan/plan-repo-root';
import { planStateDir } from '../plan/plan-state-dir';
import { renderPlanTree } from '../plan/plan-tree';
import {
  PLAN_EXIT_INTERRUPTED,
  PLAN_EXIT_NOT_A_PLAN,
  PLAN_MAX_BYTES,
  PLAN_PROGRESS_BYTES,
  type PlanFlags,
} from './plan-options';

type PlanExit = ExitCode | typeof PLAN_EXIT_NOT_A_PLAN | typeof PLAN_EXIT_INTERRUPTED;

/**
 * What `autopilot plan` does once its flags are parsed (plan-command.ts loads this module then):
 * reads the blueprint, plans it with the ingestion and planner services in this process, prints the
 * plan and resolves with the exit code.
 */
export async function runPlanCommand(path: string, flags: PlanFlags): Promise<PlanExit> {
  quietOnClosedStdout();
  try {
    const { report, text } = await planOnce(path, flags);
    // Warnings (a secret found in the blueprint, by file and line) go to stderr: stdout is the plan.
    for (const warning of report.warnings)
      process.stderr.write(`autopilot plan: warning: ${inert(warning.message)}\n`);
    const repoCheck = repoCheckSummary(report);
    if (repoCheck !== undefined) process.stderr.write(`autopilot plan: warning: ${inert(repoCheck)}\n`);
    const output = planOutput(report, text);
    const printed = flags.json ? `${JSON.stringify(output, null, 2)}\n` : renderPlanTree(output);
    if (flags.output !== undefined) await writeFile(flags.output, printed);
    else process.stdout.write(printed);
    if (report.tasks.tasks.length === 0) {
      process.stderr.write(`autopilot plan: warning: ${inert(notAPlanMessage(path, report))}\n`);
      return PLAN_EXIT_NOT_A_PLAN;
    }
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof PlanFailedError && err.code === 'PLAN_INTERRUPTED') {
      process.stderr.write('autopilot plan: interrupted\n');
      return PLAN_EXIT_INTERRUPTED;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`autopilot plan: invalid configuration: ${err.message}\n`);
      return ExitCode.usage;
    }
    if (err instanceof BlueprintRejectedError || (err instanceof PlanFailedError && err.badInput)) {
      process.stderr.write(`autopilot plan: ${inert(err.message)}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`autopilot plan: ${inert(describeError(err))}\n`);
    return ExitCode.failed;
  }
}

/**
 * With --repo: how many scope paths the check against the repository dropped and how many given
 * checks it cannot run, or undefined when it found nothing to say (each is in the plan, per task).
 */
function repoCheckSummary(report: PlanReport): string | undefined {
  const count = (kind: string) =>
    report.tasks.tasks.reduce(
      (n, t) => n + (t.repoCheck?.notes.filter((x) => x.kind === kind).length ?? 0),
      0,
    );
  const dropped = count('scope_dropped');
  const unrunnable = count('validation_unrunnable');
  if (dropped + unrunnable === 0) return undefined;
  return (
    `checked against the repository: ${dropped} scope path(s) dropped (not in the repository, no folder ` +
    `to create them in), ${unrunnable} validation command(s) the repository cannot run as it stands; ` +
    `see each task's repository notes`
  );
}

/** Why an empty plan is empty, in words a person can act on. */
function notAPlanMessage(path: string, report: PlanReport): string {
  const shown = path === '-' ? 'standard input' : path;
  const headings = report.plan.nodes.length;
  return (
    `${shown} is not a plan: no section asks for work (no phase, story or task named, no checklist, ` +
    `no acceptance criteria or deliverables, and most headings ${headings > 0 ? `(${headings})` : ''} read as reference ` +
    `or explanation: a README, a guide, prose or code). No task was made; write the work as phases, ` +
    `stories, tasks or a "- [ ]" checklist (exit ${PLAN_EXIT_NOT_A_PLAN})`
  ).replace(/\s+/g, ' ');
}

/**
 * `autopilot plan big.md | head`: once head exits, writes to stdout fail with EPIPE. That is the
 * reader's choice, not a failure: end quietly instead of printing a stack trace.
 */
function quietOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    throw err;
  });
}

/** Standard input as a blueprint file: read whole (up to the size limit), then read like a file. */
async function readStdinSource(): Promise<BlueprintSource> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > PLAN_MAX_BYTES) {
      throw new PlanFailedError(
        'PLAN_INPUT_TOO_LARGE',
        `standard input: over the ${PLAN_MAX_BYTES}-byte limit`,
        true,
      );
    }
    chunks.push(chunk);
  }
  const dir = await mkdtemp(join(tmpdir(), 'autopilot-plan-stdin-'));
  try {
    const file = join(dir, 'stdin.md');
    await writeFile(file, Buffer.concat(chunks));
    const source = await readBlueprintSource(file);
    return { ...source, name: 'stdin', title: 'stdin', sourcePath: '-' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads and checks the input first (nothing is started or written for bad input), then plans. */
async function planOnce(path: string, flags: PlanFlags): Promise<{ report: PlanReport; text: string }> {
  const source =
    path === '-'
      ? await readStdinSource()
      : await readBlueprintSource(path).catch((err: unknown) => {
          throw notFound(err, path, 'blueprint') ?? err;
        });
  const progress =
    Buffer.byteLength(source.text) > PLAN_PROGRESS_BYTES ? stderrProgress(path) : () => undefined;
  if (flags.repo !== undefined) await checkRepoDir(flags.repo);
  // The services' settings (a model for the planner) are checked before anything starts.
  // With --repo, ingestion may read that one directory (it scans no local path otherwise).
  const settings = allowRepoRoot(readServiceSettings(PlanTopology.services, process.env), flags.repo);
  // The largest message the services take: a plan whose events are larger is rejected, not lost.
  const maxMessageBytes = readMaxMessageBytes(process.env);

  // A --dir that holds an earlier run is refused here, before the deadline's timer exists: a timer
  // started first kept the refused command alive until --timeout passed (issue 13 item 7).
  const state = await planStateDir(flags.dir);
  const deadline = new PlanDeadline(flags.timeout * 1000);
  // Ctrl-C stops the services and removes a temporary directory before leaving (exit 130).
  const stopOnSigint = () => deadline.interrupt();
  process.once('SIGINT', stopOnSigint);
  const logger = stderrLogger();
  let topology: PlanTopology | undefined;
  let starting: Promise<PlanTopology> | undefined;
  try {
    progress(`starting the ingestion and planner services`);
    starting = PlanTopology.start({ dir: state.path, logger, settings, maxMessageBytes });
    // Stopped even when the deadline won the race and it started afterwards.
    starting.then((t) => (topology = t)).catch(() => undefined);
    topology = await deadline.race('starting the ingestion and planner services', starting);
    progress(`ingesting and planning ${Buffer.byteLength(source.text)} bytes`);
    const planned = await deadline.race(
      'waiting for the ingestion job to finish, then plan.generated and tasks.generated',
      topology.planBlueprint(source, flags.project),
    );
    progress(`planned: ${planned.plan.nodes.length} plan nodes, ${planned.tasks.tasks.length} tasks`);
    if (flags.repo === undefined) return { report: planned, text: source.text };
    // The planner checks the plan against the scanned repository (scope, validation) and announces
    // it again, as a new revision when the check changed a task: that is the plan printed.
    const { checked, ...repo } = await deadline.race(
      `waiting for repo.scanned, gap_report.created and the plan checked against ${flags.repo}`,
      topology.scanRepo(flags.repo, flags.project, planned.plan.planId),
    );
    const plan = checked ?? { plan: planned.plan, tasks: planned.tasks };
    return { report: { ...planned, ...plan, repo }, text: source.text };
  } finally {
    process.removeListener('SIGINT', stopOnSigint);
    deadline.clear();
    // Interrupted or timed out while starting: the services still come up, and must be stopped.
    topology ??= await starting?.catch(() => undefined);
    await stopWithin(topology, 10_000, logger);
    await state.dispose();
  }
}

function stderrProgress(path: string): (step: string) => void {
  const shown = path === '-' ? 'standard input' : path;
  return (step) => process.stderr.write(`autopilot plan: ${inert(shown)}: ${step}\n`);
}

async function stopWithin(topology: PlanTopology | undefined, ms: number, logger: Logger): Promise<void> {
  if (!topology) return;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([topology.stop().then(() => 'stopped' as const), gaveUp]).catch(
    (err: unknown) => {
      logger.warn({ err }, 'stopping the services failed');
      return 'failed' as const;
    },
  );
  clearTimeout(timer);
  // A handler still busy (the timeout case) would keep the process alive: leave, as `up` does.
  if (outcome === 'timeout') {
    logger.warn(`services did not stop within ${ms / 1000} s`);
    process.exit(ExitCode.failed);
  }
}

async function checkRepoDir(repo: string): Promise<void> {
  const info = await stat(repo).catch((err: unknown) => {
    throw notFound(err, repo, 'repository') ?? err;
  });
  if (!info.isDirectory()) {
    throw new PlanFailedError('PLAN_REPO_NOT_A_DIRECTORY', `--repo ${repo}: not a directory`, true);
  }
}

function notFound(err: unknown, path: string, what: string): PlanFailedError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  return new PlanFailedError('PLAN_NOT_FOUND', `${path}: no such file or directory (the ${what})`, true);
}

function stderrLogger(): Logger {
  // Errors only by default: stdout is the plan, and stderr ends with the one message that matters.
  const asked = process.env['LOG_LEVEL'];
  const level: LogLevel = (LOG_LEVELS as readonly string[]).includes(asked ?? '')
    ? (asked as LogLevel)
    : 'error';
  return createLogger({ service: 'autopilot', level, destination: process.stderr });
}
