import { describeError } from '@autopilot/kernel';
import { ExitCode } from './exit-codes';
import { runCli } from './run-cli';

runCli(process.argv).then(
  (code) => {
    // exitCode rather than exit(): lets stdout/stderr flush; nothing else is running at this point.
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`autopilot: ${describeError(err)}\n`);
    process.exitCode = ExitCode.failed;
  },
);
