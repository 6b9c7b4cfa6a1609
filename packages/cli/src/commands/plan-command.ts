import { stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { BlueprintRejectedError, readBlueprintSource } from '@autopilot/ingestion';
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

interface PlanFlags {
  repo?: string;
  json?: boolean;
  dir?: string;
  timeout: number;
  project: string;
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
    .argument('<path>', 'the blueprint: a file, or a directory of .md, .markdown and .txt files')
    .option('--repo <path>', 'also scan this local git repository and report its gaps (and a proposal)')
    .option('--json', 'print the plan as JSON (deterministic: the same input prints the same bytes)')
    .option(
      '-d, --dir <path>',
      'keep the ingestion and planner stores here (must not hold an earlier run); default: a temporary directory, removed',
    )
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
with what they depend on; the intention anchor, open questions and, with --repo, gaps). With --json:
  { blueprint: {id, version, digest, words},
    nodes: [{id, kind, title, parentId, start, end, priority, risk}],
    tasks: [{id, title, kind, planNodeId, dependsOn, scope, validation}],
    anchor: {id, text, pivots}, questions: [{pivot, text}],
    gaps: null without --repo, else {reportId, commit, summary, items, proposal} }
Logs (errors, or LOG_LEVEL) go to stderr; stdout carries only the plan.

Exit codes: 0 planned; 2 bad input (empty, binary or invalid UTF-8 text, no text files, a dependency
cycle or a dependency on a missing node, a repository that cannot be scanned, a bad flag); 1 failed
while running or timed out.`,
    )
    .action(async (path: string, flags: PlanFlags) => {
      process.exitCode = await runPlanCommand(path, flags);
    });
}

async function runPlanCommand(path: string, flags: PlanFlags): Promise<ExitCode> {
  try {
    const report = await planOnce(path, flags);
    // Warnings (a secret found in the blueprint, by file and line) go to stderr: stdout is the plan.
    for (const warning of report.warnings)
      process.stderr.write(`autopilot plan: warning: ${inert(warning.message)}\n`);
    const output = planOutput(report);
    process.stdout.write(flags.json ? `${JSON.stringify(output, null, 2)}\n` : renderPlanTree(output));
    return ExitCode.ok;
  } catch (err) {
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

/** Reads and checks the input first (nothing is started or written for bad input), then plans. */
async function planOnce(path: string, flags: PlanFlags): Promise<PlanReport> {
  const source = await readBlueprintSource(path).catch((err: unknown) => {
    throw notFound(err, path, 'blueprint') ?? err;
  });
  if (flags.repo !== undefined) await checkRepoDir(flags.repo);
  // The services' settings (a model for the planner) are checked before anything starts.
  // With --repo, ingestion may read that one directory (it scans no local path otherwise).
  const settings = allowRepoRoot(readServiceSettings(PlanTopology.services, process.env), flags.repo);

  // A --dir that holds an earlier run is refused here, before the deadline's timer exists: a timer
  // started first kept the refused command alive until --timeout passed (issue 13 item 7).
  const state = await planStateDir(flags.dir);
  const deadline = new PlanDeadline(flags.timeout * 1000);
  const logger = stderrLogger();
  let topology: PlanTopology | undefined;
  try {
    const starting = PlanTopology.start({ dir: state.path, logger, settings });
    // Stopped even when the deadline won the race and it started afterwards.
    starting.then((t) => (topology = t)).catch(() => undefined);
    topology = await deadline.race('starting the ingestion and planner services', starting);
    const planned = await deadline.race(
      'waiting for blueprint.ingested, plan.generated and tasks.generated',
      topology.planBlueprint(source, flags.project),
    );
    if (flags.repo === undefined) return planned;
    const repo = await deadline.race(
      `waiting for repo.scanned and gap_report.created for ${flags.repo}`,
      topology.scanRepo(flags.repo, flags.project),
    );
    return { ...planned, repo };
  } finally {
    deadline.clear();
    await stopWithin(topology, 10_000, logger);
    await state.dispose();
  }
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
