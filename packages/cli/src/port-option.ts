import { InvalidArgumentError } from 'commander';
import { ConfigError } from '@autopilot/kernel';
// The config parsers alone: the runtime's root loads Nest, which `autopilot --help` does not need.
import { parsePort } from '@autopilot/runtime/config';

/** Commander parser for `--port`: a whole number 0..65535 (0 = any free port). */
export function parsePortOption(value: string): number {
  try {
    return parsePort('--port', value);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new InvalidArgumentError(
        `${err.problem}; use a whole number from 0 to 65535 (0 picks a free port).`,
      );
    throw err;
  }
}
