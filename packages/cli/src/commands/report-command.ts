import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { describeError } from '@autopilot/kernel';
import { ExitCode } from '../exit-codes';
import { inert } from '../terminal-text';
import { StartReadModel } from '../start/start-read-model';
import { renderStartReport, type StartReport } from '../start/start-report';
import { startReportOf } from '../start/start-report-of';
import { startStateOnDate } from '../start/start-state-on-date';

interface ReportFlags {
  dir: string;
  date?: string;
  json?: boolean;
}

function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('give a date as YYYY-MM-DD, e.g. 2026-03-02.');
  }
  return value;
}

/** `autopilot report [--dir] [--date] [--json]`: the report of the last start, again, from what `--dir` kept. */
export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description('print the report of `autopilot start` again, from what its --dir kept')
    .option('-d, --dir <path>', 'the directory `autopilot start` used', '.autopilot')
    .option(
      '--date <YYYY-MM-DD>',
      "only that day's runs and approvals (in the project's time zone)",
      parseDate,
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: ReportFlags) => {
      process.exitCode = await printReports(flags);
    });
}

async function printReports(flags: ReportFlags): Promise<number> {
  const dir = resolve(flags.dir);
  try {
    await access(join(dir, 'start.db'));
  } catch {
    process.stderr.write(`autopilot report: ${inert(dir)}: no \`autopilot start\` has run with this --dir\n`);
    return ExitCode.usage;
  }
  let model: StartReadModel | undefined;
  try {
    model = await StartReadModel.open(dir);
    const reports: StartReport[] = [];
    for (const projectId of await model.projectIds()) {
      const kept = await model.load(projectId);
      if (!kept.project) continue;
      const { project } = kept;
      const state = flags.date
        ? startStateOnDate(kept, flags.date, project.schedule?.timezone ?? 'UTC')
        : kept;
      reports.push(
        await startReportOf({
          projectId,
          state,
          repo: project.repo.location,
          defaultBranch: project.repo.defaultBranch,
          ...(kept.baseCommit ? { baseCommit: kept.baseCommit } : {}),
          budgets: project.budgets,
          ...(flags.date ? { date: flags.date } : {}),
        }),
      );
    }
    for (const report of reports) {
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${renderStartReport(report).join('\n')}\n`);
    }
    if (reports.length === 0) process.stdout.write('No project has been started with this --dir yet.\n');
    return ExitCode.ok;
  } catch (err) {
    process.stderr.write(`autopilot report failed: ${inert(describeError(err))}\n`);
    return ExitCode.failed;
  } finally {
    await model?.close();
  }
}
