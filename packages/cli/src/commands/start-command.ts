import type { Command } from 'commander';
import type { AutonomyMode } from '@autopilot/contracts';
import { parseAutonomy, parseBudgetUsd, parseMaxParallel } from '../start/start-flags';
import type { DemoFlags, StartFlags } from './start-options';

/** `autopilot start <blueprint> --repo <path>`: the main job on the embedded topology. */
export function addStartCommand(program: Command): void {
  program
    .command('start')
    .description('plan a blueprint and do its tasks on a repository: one reviewed branch per task')
    .argument('<blueprint>', 'the blueprint: a .md/.txt file or a directory of them')
    .requiredOption(
      '--repo <path>',
      'the git repository to work on (never written but for autopilot/* branches)',
    )
    .option(
      '--autonomy <mode>',
      'off, suggest, semi_auto or full_auto',
      parseAutonomy,
      'full_auto' as AutonomyMode,
    )
    .option('--run-budget <usd>', 'most one run may spend', parseBudgetUsd, 2)
    .option('--daily-budget <usd>', 'most a day may spend', parseBudgetUsd, 10)
    .option('--weekly-budget <usd>', 'most a week may spend', parseBudgetUsd, 50)
    .option('--max-parallel <n>', 'runs at once', parseMaxParallel, 2)
    .option('--schedule <HH:MM-HH:MM>', 'run only in this daily window')
    .option('--tz <zone>', 'the IANA time zone of --schedule and of the daily and weekly budgets')
    .option('-d, --dir <path>', 'where the project is kept between runs', '.autopilot')
    .option('--yes', 'do not wait for Ctrl-C after the summary, before anything is spent')
    .option('--json', 'progress and the report as JSON lines')
    .addHelpText(
      'after',
      '\nExit codes: 0 every task succeeded, 3 work waits for a person or a budget, 1 a task failed,\n' +
        '2 bad input (nothing started), 130 stopped by Ctrl-C or SIGTERM (runs checkpointed).\n' +
        'The same --dir and repository later resumes the project; `autopilot report` prints the report again.',
    )
    .action(async (blueprint: string, flags: StartFlags) => {
      // The manager, worker, governance and the rest of the embedded topology load only now.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
      const { runStartCommand } = require('./start-action') as typeof import('./start-action');
      process.exitCode = await runStartCommand(blueprint, flags);
    });
}

/** `autopilot demo`: the bundled sample on a fresh repository, driven by the bundled scripted model. */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the bundled sample blueprint on a fresh sample repository (scripted model: no LLM is called)',
    )
    .option('-d, --dir <path>', 'where the demo repository and the project are made', '.autopilot-demo')
    .option('--json', 'print the report as JSON')
    .action(async (flags: DemoFlags) => {
      // The demo repository, the scripted model and every service `start` runs load only now.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
      const { runDemoCommand } = require('./start-action') as typeof import('./start-action');
      await runDemoCommand(flags);
    });
}
