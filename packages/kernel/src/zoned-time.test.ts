import { hasCode } from './errors';
import {
  InvalidInstantError,
  InvalidTimeZoneError,
  addDays,
  assertInstant,
  assertTimeZone,
  formatLocalDate,
  instantsAtLocalTime,
  isoWeek,
  localDateAt,
  localTimeAt,
  startOfLocalDate,
  weekdayOf,
  type LocalDate,
} from './zoned-time';

const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const date = (text: string): LocalDate => {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return { year, month, day };
};
const hhmm = (text: string): number => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

describe('localDateAt and localTimeAt', () => {
  it.each([
    // zone, instant, local date, weekday (0 = Sunday), local HH:MM
    ['Europe/Berlin', '2026-03-29T00:59:59Z', '2026-03-29', 0, '01:59'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', '2026-03-29', 0, '03:00'],
    ['Europe/Berlin', '2026-03-29T22:00:00Z', '2026-03-30', 1, '00:00'],
    ['Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-25', 0, '02:30'],
    ['Europe/Berlin', '2026-10-25T01:30:00Z', '2026-10-25', 0, '02:30'],
    ['America/New_York', '2026-03-08T06:59:59Z', '2026-03-08', 0, '01:59'],
    ['America/New_York', '2026-03-08T07:00:00Z', '2026-03-08', 0, '03:00'],
    ['America/New_York', '2026-11-01T05:30:00Z', '2026-11-01', 0, '01:30'],
    ['America/New_York', '2026-11-01T06:30:00Z', '2026-11-01', 0, '01:30'],
    ['America/Havana', '2026-03-08T04:59:59Z', '2026-03-07', 6, '23:59'],
    ['America/Havana', '2026-03-08T05:00:00Z', '2026-03-08', 0, '01:00'],
    ['Pacific/Auckland', '2026-01-05T21:00:00Z', '2026-01-06', 2, '10:00'],
    ['Pacific/Auckland', '2026-09-26T13:59:00Z', '2026-09-27', 0, '01:59'],
    ['Pacific/Auckland', '2026-09-26T14:00:00Z', '2026-09-27', 0, '03:00'],
    ['UTC', '2026-12-31T23:59:59.999Z', '2026-12-31', 4, '23:59'],
  ])('%s at %s is %s (weekday %i) %s', (zone, at, day, weekday, time) => {
    expect(localDateAt(zone, t(at))).toEqual(date(day));
    expect(localTimeAt(zone, t(at))).toEqual({ ...date(day), weekday, minuteOfDay: hhmm(time) });
  });
});

describe('startOfLocalDate', () => {
  it.each([
    ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00.000Z'],
    ['Europe/Berlin', '2026-03-30', '2026-03-29T22:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00.000Z'],
    ['Europe/Berlin', '2026-10-26', '2026-10-25T23:00:00.000Z'],
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00.000Z'],
    ['America/New_York', '2026-03-09', '2026-03-09T04:00:00.000Z'],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00.000Z'],
    ['America/New_York', '2026-11-02', '2026-11-02T05:00:00.000Z'],
    // Havana springs forward at midnight: 2026-03-08 has no 00:00, it starts at 01:00 CDT.
    ['America/Havana', '2026-03-07', '2026-03-07T05:00:00.000Z'],
    ['America/Havana', '2026-03-08', '2026-03-08T05:00:00.000Z'],
    ['America/Havana', '2026-03-09', '2026-03-09T04:00:00.000Z'],
    // Auckland leaves daylight time at 03:00 on 2026-04-05 and enters it at 02:00 on 2026-09-27.
    ['Pacific/Auckland', '2026-04-05', '2026-04-04T11:00:00.000Z'],
    ['Pacific/Auckland', '2026-04-06', '2026-04-05T12:00:00.000Z'],
    ['Pacific/Auckland', '2026-09-27', '2026-09-26T12:00:00.000Z'],
    ['Pacific/Auckland', '2026-09-28', '2026-09-27T11:00:00.000Z'],
    ['Asia/Kolkata', '2026-06-01', '2026-05-31T18:30:00.000Z'],
    // No real zone repeats midnight today; a fixed zone must simply give its midnight.
    ['Etc/GMT+3', '2026-05-01', '2026-05-01T03:00:00.000Z'],
  ])('%s %s starts at %s', (zone, day, start) => {
    expect(iso(startOfLocalDate(zone, date(day)))).toBe(start);
  });
});

describe('instantsAtLocalTime', () => {
  it.each([
    ['Europe/Berlin', '2026-03-28', '08:00', ['2026-03-28T07:00:00.000Z']],
    ['Europe/Berlin', '2026-03-29', '08:00', ['2026-03-29T06:00:00.000Z']],
    // Spring gap: 02:30 never happens; the first instant after the gap is 03:00 CEST.
    ['Europe/Berlin', '2026-03-29', '02:30', ['2026-03-29T01:00:00.000Z']],
    // Autumn overlap: 02:15 happens in CEST, then again in CET.
    ['Europe/Berlin', '2026-10-25', '02:15', ['2026-10-25T00:15:00.000Z', '2026-10-25T01:15:00.000Z']],
    ['America/New_York', '2026-03-08', '02:30', ['2026-03-08T07:00:00.000Z']],
    ['America/New_York', '2026-11-01', '01:30', ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']],
    ['America/Havana', '2026-03-08', '00:00', ['2026-03-08T05:00:00.000Z']],
    ['America/Havana', '2026-03-08', '00:59', ['2026-03-08T05:00:00.000Z']],
    ['America/Havana', '2026-03-08', '01:00', ['2026-03-08T05:00:00.000Z']],
    ['Pacific/Auckland', '2026-09-27', '02:30', ['2026-09-26T14:00:00.000Z']],
    ['Pacific/Auckland', '2026-04-05', '02:30', ['2026-04-04T13:30:00.000Z', '2026-04-04T14:30:00.000Z']],
    ['Pacific/Auckland', '2026-01-06', '09:00', ['2026-01-05T20:00:00.000Z']],
  ])('%s %s %s is %j', (zone, day, time, instants) => {
    expect(instantsAtLocalTime(zone, date(day), hhmm(time)).map(iso)).toEqual(instants);
  });

  it('agrees with localTimeAt: every instant found reads back as the wall time asked for', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Pacific/Auckland']) {
      for (let d = 0; d < 366; d += 3) {
        const day = addDays({ year: 2026, month: 1, day: 1 }, d);
        for (const instant of instantsAtLocalTime(zone, day, hhmm('01:30'))) {
          const local = localTimeAt(zone, instant);
          expect({ zone, day: formatLocalDate(local), time: local.minuteOfDay }).toEqual({
            zone,
            day: formatLocalDate(day),
            time: hhmm('01:30'),
          });
        }
      }
    }
  });
});

describe('dates and ISO weeks', () => {
  it.each([
    [{ year: 2021, month: 1, day: 3 }, 2020, 53],
    [{ year: 2021, month: 1, day: 4 }, 2021, 1],
    [{ year: 2026, month: 12, day: 28 }, 2026, 53],
    [{ year: 2027, month: 1, day: 1 }, 2026, 53],
    [{ year: 2027, month: 1, day: 3 }, 2026, 53],
    [{ year: 2027, month: 1, day: 4 }, 2027, 1],
    [{ year: 2008, month: 12, day: 29 }, 2009, 1],
    [{ year: 2024, month: 12, day: 30 }, 2025, 1],
  ])('isoWeek(%p) is %p-W%p', (day, weekYear, week) => {
    expect(isoWeek(day)).toEqual({ weekYear, week });
  });

  it('moves dates across months, leap days and years, and names weekdays from Sunday', () => {
    expect(addDays(date('2024-02-28'), 1)).toEqual(date('2024-02-29'));
    expect(addDays(date('2026-03-01'), -1)).toEqual(date('2026-02-28'));
    expect(addDays(date('2026-12-31'), 1)).toEqual(date('2027-01-01'));
    expect(addDays(date('2026-03-29'), -7)).toEqual(date('2026-03-22'));
    expect([date('2026-03-29'), date('2026-03-30'), date('2026-04-04')].map(weekdayOf)).toEqual([0, 1, 6]);
    expect(formatLocalDate({ year: 987, month: 3, day: 9 })).toBe('0987-03-09');
  });
});

describe('bad zones and instants', () => {
  it.each([['Mars/Olympus_Mons'], ['Europe/Berln'], [''], ['+01:00'], [42], [undefined]])(
    'refuses zone %p, naming it, from every function that takes one',
    (zone) => {
      const calls: (() => unknown)[] = [
        () => assertTimeZone(zone),
        () => localDateAt(zone as string, 0),
        () => localTimeAt(zone as string, 0),
        () => startOfLocalDate(zone as string, date('2026-01-01')),
        () => instantsAtLocalTime(zone as string, date('2026-01-01'), 0),
      ];
      for (const call of calls) {
        let err: unknown;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(InvalidTimeZoneError);
        expect(err).toMatchObject({ code: 'TIME_ZONE_INVALID', timeZone: zone });
        expect(hasCode(err, 'TIME_ZONE_INVALID')).toBe(true);
      }
    },
  );

  it.each([[Number.NaN], [-1], [1.5], [Number.POSITIVE_INFINITY], [1e16], ['0']])(
    'refuses instant %p',
    (at) => {
      expect(() => assertInstant('at', at)).toThrow(InvalidInstantError);
      expect(() => localDateAt('UTC', at as number)).toThrow(InvalidInstantError);
      expect(() => localTimeAt('UTC', at as number)).toThrow(InvalidInstantError);
      expect(() => assertInstant('req.at', at)).toThrow(
        expect.objectContaining({ code: 'TIME_INSTANT_INVALID', field: 'req.at' }),
      );
    },
  );

  it('accepts the first and last instants of 1970-9999 and returns zones and instants unchanged', () => {
    expect(assertInstant('at', 0)).toBe(0);
    expect(assertInstant('at', t('9999-12-31T23:59:59.999Z'))).toBe(t('9999-12-31T23:59:59.999Z'));
    expect(assertTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(startOfLocalDate('Asia/Tokyo', date('1970-01-01'))).toBe(t('1969-12-31T15:00:00Z'));
  });
});
