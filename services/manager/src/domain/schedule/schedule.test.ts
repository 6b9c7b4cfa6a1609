import { hasCode } from '@autopilot/kernel';
import type { Schedule } from '@autopilot/contracts';
import { ScheduleError } from './schedule-error';
import { isOpen, nextOpening } from './schedule-open';
import { parseSchedule, parseWindow, validateSchedule } from './schedule-window';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const berlin = (...windows: string[]): Schedule => parseSchedule('Europe/Berlin', windows);

describe('parseWindow', () => {
  it('reads HH:MM-HH:MM, overnight and 24:00 included, every day unless told', () => {
    expect(parseWindow('08:00-18:00')).toEqual({ days: [0, 1, 2, 3, 4, 5, 6], start: '08:00', end: '18:00' });
    expect(parseWindow(' 22:00 - 06:00 ', [1, 2])).toEqual({ days: [1, 2], start: '22:00', end: '06:00' });
    expect(parseWindow('00:00-24:00').end).toBe('24:00');
  });

  it.each([
    ['', 'window', 'schedule window "": expected HH:MM-HH:MM, e.g. 08:00-18:00 or 22:00-06:00'],
    ['08:00', 'window', 'schedule window "08:00": expected HH:MM-HH:MM, e.g. 08:00-18:00 or 22:00-06:00'],
    ['08:00-12:00-14:00', 'window', 'schedule window "08:00-12:00-14:00": expected HH:MM-HH:MM'],
    ['8:00-18:00', 'start', 'schedule start "8:00": expected HH:MM with two digits each, e.g. 08:00'],
    ['08:00-25:00', 'end', 'schedule end "25:00": hour 25 is not 00-23 (or 24:00 to end a day)'],
    ['08:00-24:30', 'end', 'schedule end "24:30": hour 24 is not 00-23'],
    ['08:60-09:00', 'start', 'schedule start "08:60": minute 60 is not 00-59'],
    ['24:00-06:00', 'start', 'schedule start "24:00": a window cannot start at 24:00'],
    ['08:00-08:00', 'window', 'schedule window "08:00-08:00": start and end are equal: an empty window'],
    ['ab:cd-18:00', 'start', 'schedule start "ab:cd"'],
  ])('refuses %j, naming the %s', (text, part, message) => {
    let caught: unknown;
    try {
      parseWindow(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ScheduleError);
    expect(caught).toMatchObject({ part });
    expect(hasCode(caught, 'MANAGER_INVALID_SCHEDULE')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  it('refuses bad days and an unknown time zone, naming them', () => {
    expect(() => parseWindow('08:00-09:00', [])).toThrow('schedule days "": name at least one weekday');
    expect(() => parseWindow('08:00-09:00', [7])).toThrow('schedule days "7": weekdays are 0 (Sunday) to 6');
    expect(() => parseWindow('08:00-09:00', [1, 1])).toThrow('schedule days "1,1": a weekday appears twice');
    expect(() => parseSchedule('Mars/Olympus_Mons', ['08:00-18:00'])).toThrow(
      'schedule timezone "Mars/Olympus_Mons": is not an IANA time zone (e.g. Europe/Berlin)',
    );
    expect(() =>
      validateSchedule({ timezone: 'UTC', windows: [{ days: [1], start: '9:00', end: '10:00' }] }),
    ).toThrow('schedule start "9:00"');
  });
});

describe('isOpen and nextOpening', () => {
  it('is always open without a schedule, never with no windows', () => {
    expect(isOpen(undefined, at('2026-01-01T03:00:00Z'))).toBe(true);
    expect(nextOpening(undefined, 5)).toBe(5);
    const never: Schedule = { timezone: 'UTC', windows: [] };
    expect(isOpen(never, 0)).toBe(false);
    expect(nextOpening(never, 0)).toBeUndefined();
  });

  it('follows Berlin wall time across the spring DST change (08:00 is 07:00Z in winter, 06:00Z in summer)', () => {
    const s = berlin('08:00-18:00');
    expect(isOpen(s, at('2026-03-28T06:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-03-28T07:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-28T16:59:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-28T17:00:00Z'))).toBe(false);
    // Saturday 19:00 CET → Sunday 08:00 CEST, clocks having gone forward overnight.
    expect(iso(nextOpening(s, at('2026-03-28T18:00:00Z')))).toBe('2026-03-29T06:00:00.000Z');
    expect(isOpen(s, at('2026-03-30T06:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-30T16:00:00Z'))).toBe(false);
    // And back in autumn.
    expect(iso(nextOpening(s, at('2026-10-24T18:00:00Z')))).toBe('2026-10-25T07:00:00.000Z');
  });

  it('opens a window whose start the spring gap skips at the first instant after the gap', () => {
    const s = berlin('02:30-03:30');
    expect(iso(nextOpening(s, at('2026-03-29T00:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(isOpen(s, at('2026-03-29T01:00:00Z'))).toBe(true); // 03:00 CEST
    expect(isOpen(s, at('2026-03-29T01:30:00Z'))).toBe(false); // 03:30 CEST
  });

  it('opens a window twice on the night the clocks go back', () => {
    const s = berlin('02:15-02:45');
    expect(isOpen(s, at('2026-10-25T00:20:00Z'))).toBe(true); // 02:20 CEST
    expect(isOpen(s, at('2026-10-25T00:50:00Z'))).toBe(false); // 02:50 CEST
    expect(iso(nextOpening(s, at('2026-10-25T00:50:00Z')))).toBe('2026-10-25T01:15:00.000Z'); // 02:15 CET
    expect(isOpen(s, at('2026-10-25T01:20:00Z'))).toBe(true);
  });

  it('handles an overnight window, which belongs to the day it starts on', () => {
    const s: Schedule = { timezone: 'Europe/Berlin', windows: [parseWindow('22:00-06:00', [5])] }; // Friday night
    expect(isOpen(s, at('2026-01-09T21:00:00Z'))).toBe(true); // Fri 22:00
    expect(isOpen(s, at('2026-01-10T04:59:00Z'))).toBe(true); // Sat 05:59
    expect(isOpen(s, at('2026-01-10T05:00:00Z'))).toBe(false); // Sat 06:00
    expect(isOpen(s, at('2026-01-10T21:00:00Z'))).toBe(false); // Sat 22:00: not a Friday
    expect(iso(nextOpening(s, at('2026-01-10T05:00:00Z')))).toBe('2026-01-16T21:00:00.000Z');
  });

  it('returns the instant itself when open, and works in a zone east of UTC across the date line', () => {
    const s = parseSchedule('Pacific/Auckland', ['09:00-17:00']);
    expect(nextOpening(s, at('2026-01-05T21:00:00Z'))).toBe(at('2026-01-05T21:00:00Z')); // 10:00 NZDT
    expect(iso(nextOpening(s, at('2026-01-05T05:00:00Z')))).toBe('2026-01-05T20:00:00.000Z');
  });
});
