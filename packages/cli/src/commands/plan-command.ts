import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { BlueprintRejectedError, readBlueprintSource, type BlueprintSource } from '@autopilot/ingestion';
import { ConfigError, describeError } from '@autopilot/kernel';
import {
  createLogger,
  LOG_LEVELS,
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

/** `autopilot plan` gives up after this long unless `--timeout` says otherwise. */
export const DEFAULT_PLAN_TIMEOUT_S = 120;
/** The project the blueprint is planned in unless `--project` names one; ids derive from it. */
export const DEFAULT_PLAN_PROJECT = 'local';
/**
 * Exit code of a run whose input is not a plan (a README, prose, a lone code fence): the plan tree
 * is printed, a warning says why, and no task was made (issue 17 item 5).
 */
export const PLAN_EXIT_NOT_A_PLAN = 3;
/** Exit code after SIGINT (128 + 2, as shells report it). */
export const PLAN_EXIT_INTERRUPTED = 130;
/** The largest blueprint read, in UTF-8 bytes (ingestion's default limit); stdin included. */
export const PLAN_MAX_BYTES = 8 * 1024 * 1024;
/** Inputs past this size report their progress on stderr. */
const PROGRESS_BYTES = 256 * 1024;

interface PlanFlags {
  repo?: string;
  json?: boolean;
  dir?: string;
  timeout: number;
  project: string;
  output?: string;
}

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new InvalidArgumentError('give a number of seconds greater than 0 (at most 86400).');
  }
  return seconds;
}

/**
 * `autopilot plan <file|dir>`: ingests and plans a blueprint with the ingestion and planner services
 * in this process (the embedded topology, in-process bus, SQLite stores), prints the plan and exits:
 * 0 planned, 2 bad input (blueprint, repository or flag), 1 anything else (including the timeout).
 */
export function addPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('ingest and plan a blueprint (a .md/.txt file or a directory of them) and print the plan')
    .argument(
      '<path>',
      'the blueprint: a file, a directory of .md, .markdown and .txt files, or - for standard input',
    )
    .option(
      '--repo <path>',
      "also scan this local git repository: report its gaps (and a proposal), and check each task against it (scope paths it cannot hold are dropped, the toolchain's checks validate tasks the blueprint gives none)",
    )
    .option('--json', 'print the plan as JSON (deterministic: the same input prints the same bytes)')
    .option(
      '-d, --dir <path>',
      'keep the ingestion and planner stores here; a second run on the same directory re-plans (plan v2, ids of unchanged tasks kept); default: a temporary directory, removed',
    )
    .option('-o, --output <file>', 'write the plan to this file instead of standard output')
    .option('--timeout <seconds>', 'give up (exit 1) after this long', parseTimeout, DEFAULT_PLAN_TIMEOUT_S)
    .option(
      '--project <id>',
      'project id the blueprint is planned in (ids derive from it)',
      DEFAULT_PLAN_PROJECT,
    )
    .addHelpText(
      'after',
      `
Output: a plan tree (nodes under their parents with kind, priority and risk; tasks under their nodes
with where they come from, why their priority and risk, what they depend on and, with --repo, what
checking them against the repository changed; the intention anchor, open questions and, with --repo,
gaps). With --json:
  { blueprint: {id, version, digest, words},
    nodes: [{id, kind, title, parentId, file, startLine, endLine, start, end, priority, risk}],
    tasks: [{id, title, kind, planNodeId, dependsOn, scope, validation, description, deliverables,
             acceptanceCriteria, source: {file, startLine, endLine}, priority, risk, why,
             repoCheck: null without --repo, else {commit, notes: [{kind, subject, reason}]}}],
    anchor: {id, text, pivots}, questions: [{pivot, text}],
    gaps: null without --repo, else {reportId, commit, summary, items, proposal} }
Lines are 1-based in the node's file (file is null for a single-file blueprint); start and end are
offsets into the blueprint text in Unicode code points. Input is limited to ${PLAN_MAX_BYTES / 1024 / 1024} MiB (UTF-8).
Logs (errors, or LOG_LEVEL), warnings and, for inputs over ${PROGRESS_BYTES / 1024} KiB, progress go to
stderr; stdout carries only the plan. A closed stdout (| head) ends the run quietly.

Exit codes: 0 planned; 3 not a plan (no section asks for work: a README, prose, a lone code fence;
the plan tree is still printed); 2 bad input (empty, binary or invalid UTF-8 text, no text files, a
dependency cycle or a dependency on a missing node, a repository that cannot be scanned, a bad flag);
1 failed while running or timed out; 130 interrupted (Ctrl-C).`,
    )
    .action(async (path: string, flags: PlanFlags) => {
      process.exitCode = await runPlanCommand(path, flags);
    });
}

type PlanExit = ExitCode | typeof PLAN_EXIT_NOT_A_PLAN | typeof PLAN_EXIT_INTERRUPTED;

async function runPlanCommand(path: string, flags: PlanFlags): Promise<PlanExit> {
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
  const progress = Buffer.byteLength(source.text) > PROGRESS_BYTES ? stderrProgress(path) : () => undefined;
  if (flags.repo !== undefined) await checkRepoDir(flags.repo);
  // The services' settings (a model for the planner) are checked before anything starts.
  // With --repo, ingestion may read that one directory (it scans no local path otherwise).
  const settings = allowRepoRoot(readServiceSettings(PlanTopology.services, process.env), flags.repo);

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
    starting = PlanTopology.start({ dir: state.path, logger, settings });
    // Stopped even when the deadline won the race and it started afterwards.
    starting.then((t) => (topology = t)).catch(() => undefined);
    topology = await deadline.race('starting the ingestion and planner services', starting);
    progress(`ingesting and planning ${Buffer.byteLength(source.text)} bytes`);
    const planned = await deadline.race(
      'waiting for blueprint.ingested, plan.generated and tasks.generated',
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
