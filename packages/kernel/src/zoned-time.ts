import { AutopilotError } from './errors';

/**
 * Calendar arithmetic in an IANA time zone with nothing but Intl: the local date and wall time of
 * an instant, and the instants a local date starts at or a local wall time happens at, correct
 * across DST gaps and overlaps (including zones whose clocks jump at midnight, e.g. America/Havana
 * in spring). Instants are epoch milliseconds passed in: nothing here reads a clock, so domain code
 * may use it. Every function that takes a zone throws `InvalidTimeZoneError` for one Intl does not
 * know; every function that takes an instant throws `InvalidInstantError` unless it is whole and
 * within the years 1970-9999.
 */

/** A calendar date (month 1-12). */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The wall-clock reading of an instant in a zone, to the minute. */
export interface LocalTime extends LocalDate {
  /** 0 = Sunday to 6 = Saturday, as `weekdayOf()` and the contracts' schedule days. */
  readonly weekday: number;
  /** Minutes since local midnight, 0-1439. */
  readonly minuteOfDay: number;
}

/** A time zone that Intl does not know, or that is not a non-empty string. */
export class InvalidTimeZoneError extends AutopilotError {
  readonly code = 'TIME_ZONE_INVALID';
  constructor(
    readonly timeZone: unknown,
    options?: ErrorOptions,
  ) {
    super(`time zone ${JSON.stringify(timeZone)} is not a valid IANA time zone`, options);
  }
}

/** An instant that is not a whole epoch-millisecond number between 1970 and 9999. */
export class InvalidInstantError extends AutopilotError {
  readonly code = 'TIME_INSTANT_INVALID';
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field} = ${String(value)} is not an instant (epoch milliseconds, years 1970-9999)`);
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: four-digit years keep date keys sortable and Intl output simple. */
const MAX_INSTANT = 253_402_300_799_999;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// One immutable formatter per zone, memoised: building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Returns `timeZone` unchanged when Intl knows it. @throws InvalidTimeZoneError otherwise. */
export function assertTimeZone(timeZone: unknown): string {
  formatter(timeZone);
  return timeZone as string;
}

/**
 * Returns `at` unchanged when it is a whole epoch-ms number in 1970-9999.
 * @throws InvalidInstantError naming `field` otherwise.
 */
export function assertInstant(field: string, at: unknown): number {
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > MAX_INSTANT) {
    throw new InvalidInstantError(field, at);
  }
  return at;
}

/** The local calendar date of instant `at` in `timeZone`. */
export function localDateAt(timeZone: string, at: number): LocalDate {
  const f = fields(timeZone, assertInstant('at', at));
  return { year: f.year, month: f.month, day: f.day };
}

/** The local wall time of instant `at` in `timeZone`, to the minute. */
export function localTimeAt(timeZone: string, at: number): LocalTime {
  const f = fields(timeZone, assertInstant('at', at));
  return {
    year: f.year,
    month: f.month,
    day: f.day,
    weekday: f.weekday,
    minuteOfDay: f.hour * 60 + f.minute,
  };
}

/**
 * The first instant of `date` in `timeZone`: local midnight, or, where the clocks jump over
 * midnight (America/Havana in spring), the instant of the jump.
 */
export function startOfLocalDate(timeZone: string, date: LocalDate): number {
  return instantsAtLocalTime(timeZone, date, 0)[0] as number;
}

/**
 * The instants at which the wall time in `timeZone` reads `minuteOfDay` on `date`, ascending.
 * Usually one; two when the clocks go back over it (it happens twice); when they jump forward over
 * it (it never happens), the one instant of the jump, the first after the gap.
 */
export function instantsAtLocalTime(timeZone: string, date: LocalDate, minuteOfDay: number): number[] {
  const target = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS;
  // Real zones change offset at most once in any two days, so the offsets a day either side are the
  // only candidates.
  const withBefore = target - offsetAt(timeZone, target - DAY_MS);
  const withAfter = target - offsetAt(timeZone, target + DAY_MS);
  const found = [...new Set([withBefore, withAfter])]
    .filter((t) => wallAt(timeZone, t) === target)
    .sort((a, b) => a - b);
  if (found.length > 0) return found;
  // A gap: the wall clock jumps over the target between these two instants; find the jump to the minute.
  let lo = Math.min(withBefore, withAfter);
  let hi = Math.max(withBefore, withAfter);
  while (hi - lo > MINUTE_MS) {
    const mid = Math.floor((lo + (hi - lo) / 2) / MINUTE_MS) * MINUTE_MS;
    if (wallAt(timeZone, mid) >= target) hi = mid;
    else lo = mid;
  }
  return [hi];
}

/** `date` moved by `days` (may be negative). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The day of the week of `date`: 0 = Sunday to 6 = Saturday. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** The ISO 8601 week-numbering year and week (1-53) of `date`: weeks start Monday, week 1 has a Thursday. */
export function isoWeek(date: LocalDate): { readonly weekYear: number; readonly week: number } {
  const thursday = addDays(date, 3 - ((weekdayOf(date) + 6) % 7));
  const jan1 = Date.UTC(thursday.year, 0, 1);
  const dayOfYear = (Date.UTC(thursday.year, thursday.month - 1, thursday.day) - jan1) / DAY_MS;
  return { weekYear: thursday.year, week: Math.floor(dayOfYear / 7) + 1 };
}

/** `2026-03-29` */
export function formatLocalDate(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The wall time at instant `at` (to the second) read as if it were UTC, in ms. */
function wallAt(timeZone: string, at: number): number {
  const f = fields(timeZone, at);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
}

/** Local wall time minus UTC at instant `at`, in ms (+3600000 for CET). */
function offsetAt(timeZone: string, at: number): number {
  const second = at - (((at % 1000) + 1000) % 1000);
  return wallAt(timeZone, second) - second;
}

interface WallFields extends LocalDate {
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function fields(timeZone: string, at: number): WallFields {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = part.value;
  }
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function formatter(timeZone: unknown): Intl.DateTimeFormat {
  if (typeof timeZone !== 'string' || timeZone.length === 0) throw new InvalidTimeZoneError(timeZone);
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  let made: Intl.DateTimeFormat;
  try {
    made = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (e) {
    throw new InvalidTimeZoneError(timeZone, { cause: e });
  }
  formatters.set(timeZone, made);
  return made;
}
