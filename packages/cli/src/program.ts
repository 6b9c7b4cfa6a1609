import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { addPlanCommand } from './commands/plan-command';
import { addServiceCommand } from './commands/service-command';
import { addReportCommand } from './commands/report-command';
import { addDemoCommand, addStartCommand } from './commands/start-command';
import { addUpCommand } from './commands/up-command';

/** Where commander writes; tests capture it instead of the real streams. */
export interface ProgramOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

function cliVersion(): string {
  // Read at run time: package.json sits outside rootDir, so it cannot be imported.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The `autopilot` command line. Commander never exits the process itself (`exitOverride`): it
 * throws CommanderError and `runCli` picks the exit code.
 */
export function buildProgram(output: ProgramOutput): Command {
  const program = new Command('autopilot')
    .description('Turns a written plan into finished, reviewed software work.')
    .version(cliVersion(), '-v, --version')
    // Order matters: subcommands made with .command() copy these settings when they are added.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.writeOut(s),
      writeErr: (s) => output.writeErr(s),
    })
    .showHelpAfterError('(run "autopilot --help" for usage)')
    .showSuggestionAfterError()
    .allowExcessArguments(false);
  addUpCommand(program);
  addServiceCommand(program);
  addPlanCommand(program);
  addStartCommand(program);
  addDemoCommand(program);
  addReportCommand(program);
  program.addHelpText(
    'after',
    `
Environment:
  NATS_URL                        JetStream servers for "service" (default nats://127.0.0.1:4222)
  MONGO_URL                       MongoDB for "service" (database autopilot_<service>); unset = SQLite
  AUTOPILOT_DIR                   where SQLite stores live (default .autopilot)
  PORT                            HTTP port when --port is not given
  AUTOPILOT_HOST                  interface the HTTP server binds (default 127.0.0.1)
  LOG_LEVEL                       trace, debug, info, warn, error or fatal (default info)
  OTEL_EXPORTER_OTLP_ENDPOINT     send traces over OTLP/HTTP (e.g. Jaeger at http://localhost:4318)
  AUTOPILOT_SHUTDOWN_TIMEOUT_MS   graceful shutdown limit before a forced exit 1 (default 10000)
  AUTOPILOT_OUTBOX_INTERVAL_MS    outbox relay polling interval (default 250)

Exit codes: 0 stopped cleanly, 1 failed while running, 2 bad command, flag or configuration.`,
  );
  return program;
}
