import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeError } from '@autopilot/kernel';
import { ExitCode } from '../exit-codes';
import { inert } from '../terminal-text';
import { StartReadModel } from '../start/start-read-model';
import { renderStartReport, type StartReport } from '../start/start-report';
import { startReportOf } from '../start/start-report-of';
import { startStateOnDate } from '../start/start-state-on-date';
import type { ReportFlags } from './report-command';

/**
 * What `autopilot report` does once its flags are parsed (report-command.ts loads this module then):
 * prints each project's report from what `--dir` kept and resolves with the exit code.
 */
export async function printReports(flags: ReportFlags): Promise<number> {
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
