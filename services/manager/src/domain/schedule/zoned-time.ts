import { ScheduleError } from './schedule-error';

/** Wall-clock reading of an instant in a time zone. */
export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday, as in the contract's schedule days. */
  readonly weekday: number;
  /** 0..1439. */
  readonly minuteOfDay: number;
  /** The wall time read as if it were UTC, in ms: differences with the instant give the offset. */
  readonly wallMs: number;
}

const MINUTE = 60_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// A memo of immutable formatters, one per zone: building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
    } catch {
      throw new ScheduleError('timezone', timezone, 'is not an IANA time zone (e.g. Europe/Berlin)');
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** @throws ScheduleError naming the zone when Intl does not know it. */
export function assertTimeZone(timezone: string): void {
  formatter(timezone);
}

/** The wall-clock time at `instantMs` in `timezone` (minute precision). */
export function localTime(instantMs: number, timezone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(instantMs)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const minuteOfDay = Number(parts.hour) * 60 + Number(parts.minute);
  return {
    year,
    month,
    day,
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
    minuteOfDay,
    wallMs: Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE,
  };
}

/**
 * The instants whose wall time in `timezone` is `minuteOfDay` on the date of `dateWallMs` (a wall
 * date read as UTC midnight). Usually one; two when clocks go back (the time happens twice);
 * when clocks go forward over it (it never happens), the first instant after the gap.
 */
export function instantsAtWallTime(timezone: string, dateWallMs: number, minuteOfDay: number): number[] {
  const target = dateWallMs + minuteOfDay * MINUTE;
  // Offsets a day either side: at most one transition lies between them in any real zone.
  const offsetBefore = localTime(target - 86_400_000, timezone).wallMs - floorMinute(target - 86_400_000);
  const offsetAfter = localTime(target + 86_400_000, timezone).wallMs - floorMinute(target + 86_400_000);
  const found = [...new Set([target - offsetBefore, target - offsetAfter])]
    .filter((t) => localTime(t, timezone).wallMs === target)
    .sort((a, b) => a - b);
  if (found.length > 0) return found;
  // A gap: wall time jumps over the target between these two instants; find the jump to the minute.
  let lo = Math.min(target - offsetBefore, target - offsetAfter);
  let hi = Math.max(target - offsetBefore, target - offsetAfter);
  while (hi - lo > MINUTE) {
    const mid = floorMinute(lo + (hi - lo) / 2);
    if (localTime(mid, timezone).wallMs >= target) hi = mid;
    else lo = mid;
  }
  return [hi];
}

const floorMinute = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE;
