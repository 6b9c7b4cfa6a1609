import type { Schedule } from '@autopilot/contracts';
import { InvalidTimeZoneError, assertTimeZone } from '@autopilot/kernel';
import { ScheduleError } from './schedule-error';

export type ScheduleWindow = Schedule['windows'][number];

export const EVERY_DAY: readonly number[] = [0, 1, 2, 3, 4, 5, 6];

const HHMM = /^(\d{2}):(\d{2})$/;

/**
 * Parses `HH:MM-HH:MM` (local, start inclusive, end exclusive). An end before the start is an
 * overnight window (`22:00-06:00`); `24:00` may end a window; start and end must differ.
 * @throws ScheduleError naming the part that is wrong (window, start, end or days).
 */
export function parseWindow(text: string, days: readonly number[] = EVERY_DAY): ScheduleWindow {
  const trimmed = text.trim();
  const halves = trimmed.split('-');
  if (halves.length !== 2) {
    throw new ScheduleError('window', text, 'expected HH:MM-HH:MM, e.g. 08:00-18:00 or 22:00-06:00');
  }
  const [start, end] = halves.map((h) => h.trim()) as [string, string];
  const window = { days: [...days], start, end };
  validateWindow(window);
  return window;
}

/** @throws ScheduleError when a window's start, end or days are wrong. */
export function validateWindow(window: ScheduleWindow): void {
  const start = minutesOf(window.start, 'start');
  const end = minutesOf(window.end, 'end');
  if (start === 1440) throw new ScheduleError('start', window.start, 'a window cannot start at 24:00');
  if (start === end) {
    throw new ScheduleError(
      'window',
      `${window.start}-${window.end}`,
      'start and end are equal: an empty window',
    );
  }
  if (window.days.length === 0) throw new ScheduleError('days', '', 'name at least one weekday (0 = Sunday)');
  const bad = window.days.find((d) => !Number.isInteger(d) || d < 0 || d > 6);
  if (bad !== undefined)
    throw new ScheduleError('days', String(bad), 'weekdays are 0 (Sunday) to 6 (Saturday)');
  if (new Set(window.days).size !== window.days.length) {
    throw new ScheduleError('days', window.days.join(','), 'a weekday appears twice');
  }
}

/** A schedule from a time zone and `HH:MM-HH:MM` windows (every day). @throws ScheduleError */
export function parseSchedule(timezone: string, windows: readonly string[]): Schedule {
  const schedule = { timezone, windows: windows.map((w) => parseWindow(w)) };
  validateSchedule(schedule);
  return schedule;
}

/** Checks a schedule as stored or received: its zone is known to Intl and every window parses. */
export function validateSchedule(schedule: Schedule): void {
  assertScheduleTimeZone(schedule.timezone);
  schedule.windows.forEach(validateWindow);
}

/** Returns `timezone` unchanged when Intl knows it. @throws ScheduleError naming the zone otherwise. */
export function assertScheduleTimeZone(timezone: string): string {
  try {
    return assertTimeZone(timezone);
  } catch (e) {
    if (e instanceof InvalidTimeZoneError) {
      throw new ScheduleError('timezone', timezone, 'is not an IANA time zone (e.g. Europe/Berlin)', {
        cause: e,
      });
    }
    throw e;
  }
}

/** Minutes since local midnight of `HH:MM`; `24:00` is 1440. */
export function minutesOf(hhmm: string, part: 'start' | 'end'): number {
  const match = HHMM.exec(hhmm);
  if (!match) throw new ScheduleError(part, hhmm, 'expected HH:MM with two digits each, e.g. 08:00');
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) throw new ScheduleError(part, hhmm, `minute ${match[2]} is not 00-59`);
  if (hours > 24 || (hours === 24 && minutes !== 0)) {
    throw new ScheduleError(part, hhmm, `hour ${match[1]} is not 00-23 (or 24:00 to end a day)`);
  }
  return hours * 60 + minutes;
}
