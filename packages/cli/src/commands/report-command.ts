import { InvalidArgumentError, type Command } from 'commander';

export interface ReportFlags {
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
      // The start's read model and report rendering load only when `report` runs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
      const { printReports } = require('./report-action') as typeof import('./report-action');
      process.exitCode = await printReports(flags);
    });
}
