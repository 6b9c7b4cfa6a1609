import { CommanderError } from 'commander';
import { ConfigError } from '@autopilot/kernel';
import { ExitCode } from './exit-codes';
import { buildProgram, type ProgramOutput } from './program';

const processOutput: ProgramOutput = {
  writeOut: (s) => process.stdout.write(s),
  writeErr: (s) => process.stderr.write(s),
};

/**
 * Parses `argv` (as `process.argv`) and runs the command. Resolves with an exit code when the
 * command is done deciding: 0 after `--help`, 2 for a usage or configuration error; resolves with
 * undefined once a long-running command has started (it ends the process itself on a signal).
 */
export async function runCli(
  argv: readonly string[],
  output: ProgramOutput = processOutput,
): Promise<ExitCode | undefined> {
  const program = buildProgram(output);
  try {
    await program.parseAsync([...argv]);
    return undefined;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already written its message (and the help hint) to stderr.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof ConfigError) {
      output.writeErr(`autopilot: invalid configuration: ${err.message}\n`);
      return ExitCode.usage;
    }
    throw err;
  }
}
