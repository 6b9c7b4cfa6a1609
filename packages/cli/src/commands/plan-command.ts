import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_PLAN_PROJECT,
  DEFAULT_PLAN_TIMEOUT_S,
  PLAN_MAX_BYTES,
  PLAN_PROGRESS_BYTES,
  type PlanFlags,
} from './plan-options';

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
Logs (errors, or LOG_LEVEL), warnings and, for inputs over ${PLAN_PROGRESS_BYTES / 1024} KiB, progress go to
stderr; stdout carries only the plan. A closed stdout (| head) ends the run quietly.

Exit codes: 0 planned; 3 not a plan (no section asks for work: a README, prose, a lone code fence;
the plan tree is still printed); 2 bad input (empty, binary or invalid UTF-8 text, no text files, a
dependency cycle or a dependency on a missing node, a repository that cannot be scanned, a bad flag);
1 failed while running or timed out; 130 interrupted (Ctrl-C).`,
    )
    .action(async (path: string, flags: PlanFlags) => {
      // The ingestion and planner services, the embedded topology and SQLite load only when `plan`
      // runs: every other command line (`--help`, `up`, ...) builds this command too.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
      const { runPlanCommand } = require('./plan-action') as typeof import('./plan-action');
      process.exitCode = await runPlanCommand(path, flags);
    });
}
