import type { Schedule } from '@autopilot/contracts';
import { addDays, instantsAtLocalTime, localTimeAt, weekdayOf } from '@autopilot/kernel';
import { assertScheduleTimeZone, minutesOf } from './schedule-window';

/**
 * Whether runs may start at `instantMs`: always without a schedule; otherwise when the wall time
 * in the schedule's zone lies in a window (start inclusive, end exclusive). An overnight window
 * belongs to the day it starts on. Wall-clock based, so it follows DST: `08:00-18:00` is 10 wall
 * hours on any day, 07:00Z–17:00Z in Berlin's winter and 06:00Z–16:00Z in its summer.
 * @throws ScheduleError for an unknown zone.
 */
export function isOpen(schedule: Schedule | undefined, instantMs: number): boolean {
  if (!schedule) return true;
  const local = localTimeAt(assertScheduleTimeZone(schedule.timezone), instantMs);
  const yesterday = (local.weekday + 6) % 7;
  return schedule.windows.some((w) => {
    const start = minutesOf(w.start, 'start');
    const end = minutesOf(w.end, 'end');
    const m = local.minuteOfDay;
    if (start < end) return w.days.includes(local.weekday) && m >= start && m < end;
    if (start > end)
      return (w.days.includes(local.weekday) && m >= start) || (w.days.includes(yesterday) && m < end);
    return false;
  });
}

/**
 * The first instant at or after `instantMs` at which the schedule is open (`instantMs` itself when
 * open now); undefined when it never opens (no windows). Openings are window starts, taken as the
 * instants that wall time happens (the first instant after a DST gap that skips it; each of the two
 * when clocks go back), checked with `isOpen` so the two functions always agree.
 * @throws ScheduleError for an unknown zone.
 */
export function nextOpening(schedule: Schedule | undefined, instantMs: number): number | undefined {
  if (!schedule || isOpen(schedule, instantMs)) return instantMs;
  const today = localTimeAt(schedule.timezone, instantMs);
  let best: number | undefined;
  for (let k = 0; k <= 8; k += 1) {
    const date = addDays(today, k);
    const weekday = weekdayOf(date);
    for (const w of schedule.windows) {
      if (!w.days.includes(weekday)) continue;
      for (const t of instantsAtLocalTime(schedule.timezone, date, minutesOf(w.start, 'start'))) {
        if (t > instantMs && (best === undefined || t < best) && isOpen(schedule, t)) best = t;
      }
    }
    if (best !== undefined) return best;
  }
  return best;
}
