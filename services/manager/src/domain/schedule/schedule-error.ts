import { AutopilotError } from '@autopilot/kernel';

/** Which part of a schedule was wrong. */
export type SchedulePart = 'window' | 'start' | 'end' | 'days' | 'timezone';

/** A schedule window or time zone that does not parse: names the part, the value and what is wrong. */
export class ScheduleError extends AutopilotError {
  readonly code = 'MANAGER_INVALID_SCHEDULE';
  constructor(
    readonly part: SchedulePart,
    readonly value: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`schedule ${part} "${value}": ${problem}`, options);
  }
}
