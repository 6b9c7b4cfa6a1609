import type { Schedule } from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import { parseSchedule } from '@autopilot/manager';
import { StartInputError } from './start-input';

/**
 * `--schedule HH:MM-HH:MM` in `--tz` (default UTC), every day. Apart from the flag parsers
 * (start-flags.ts, loaded with every command line) because it needs the manager's schedule
 * parser, which loads only when `start` runs.
 * @throws StartInputError naming the flags and what does not parse.
 */
export function scheduleOf(window: string | undefined, timezone: string | undefined): Schedule | undefined {
  if (window === undefined && timezone === undefined) return undefined;
  try {
    return parseSchedule(timezone ?? 'UTC', [window ?? '00:00-24:00']);
  } catch (e) {
    const flags = [
      ...(window !== undefined ? [`--schedule ${window}`] : []),
      ...(timezone !== undefined ? [`--tz ${timezone}`] : []),
    ].join(' ');
    throw new StartInputError(`${flags}: ${describeError(e)}`);
  }
}
