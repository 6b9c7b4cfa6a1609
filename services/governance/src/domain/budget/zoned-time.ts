import { BudgetInvalidInstantError, BudgetInvalidTimeZoneError } from './budget-errors';

/**
 * Calendar arithmetic in an IANA time zone with nothing but Intl: what local date an instant falls
 * on, and which instant a local date starts at (correct across DST, including zones whose clocks
 * jump at midnight). Instants are epoch milliseconds, passed in: nothing here reads a clock.
 */

/** A calendar date (month 1-12). */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: four-digit years keep keys sortable and Intl output simple. */
const MAX_INSTANT = 253_402_300_799_999;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws `BudgetInvalidTimeZoneError` unless Intl knows `timeZone`; returns it unchanged. */
export function assertTimeZone(timeZone: unknown): string {
  formatter(timeZone);
  return timeZone as string;
}

/** Throws `BudgetInvalidInstantError` unless `at` is a whole epoch-ms number in 1970-9999. */
export function assertInstant(field: string, at: unknown): number {
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > MAX_INSTANT) {
    throw new BudgetInvalidInstantError(field, at);
  }
  return at;
}

/** The local calendar date of instant `at` in `timeZone`. */
export function localDateAt(timeZone: string, at: number): LocalDate {
  const f = fields(timeZone, assertInstant('at', at));
  return { year: f.year, month: f.month, day: f.day };
}

/**
 * The first instant of `date` in `timeZone`: local midnight, or, where the clocks jump over
 * midnight (e.g. America/Havana in spring), the instant of the jump.
 */
export function startOfLocalDate(timeZone: string, date: LocalDate): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  // Real zones change offset at most once in any two days, so the offsets a day either side are the
  // only candidates.
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  const candidates = [wall - before, wall - after].filter((t) => offsetAt(timeZone, t) === wall - t);
  if (candidates.length > 0) return Math.min(...candidates);
  // Midnight falls in a gap: the day starts when the clocks jump, which is midnight read with the
  // earlier offset (its local reading is already past midnight, on the new date).
  return wall - before;
}

/** `date` moved by `days` (may be negative). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO 8601 weekday, Monday 1 to Sunday 7. */
export function isoWeekday(date: LocalDate): number {
  const dow = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

/** The ISO 8601 week-numbering year and week (1-53) of `date`: weeks start Monday, week 1 holds a Thursday. */
export function isoWeek(date: LocalDate): { readonly weekYear: number; readonly week: number } {
  const thursday = addDays(date, 4 - isoWeekday(date));
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

/** Local wall time minus UTC at instant `at`, in ms (+3600000 for CET). */
function offsetAt(timeZone: string, at: number): number {
  const second = at - (((at % 1000) + 1000) % 1000);
  const f = fields(timeZone, second);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - second;
}

interface WallFields extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function fields(timeZone: string, at: number): WallFields {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year as number,
    month: out.month as number,
    day: out.day as number,
    hour: out.hour as number,
    minute: out.minute as number,
    second: out.second as number,
  };
}

function formatter(timeZone: unknown): Intl.DateTimeFormat {
  if (typeof timeZone !== 'string' || timeZone.length === 0) throw new BudgetInvalidTimeZoneError(timeZone);
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  let made: Intl.DateTimeFormat;
  try {
    made = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (e) {
    throw new BudgetInvalidTimeZoneError(timeZone, { cause: e });
  }
  formatters.set(timeZone, made);
  return made;
}
