import { InvalidArgumentError } from 'commander';
import { parseAutonomy, parseBudgetUsd, parseMaxParallel } from './start-flags';
import { scheduleOf } from './start-schedule';

describe('autopilot start flags', () => {
  it('takes budgets in USD above 0, with or without a dollar sign', () => {
    expect(parseBudgetUsd('2.5')).toBe(2.5);
    expect(parseBudgetUsd('$10')).toBe(10);
    for (const bad of ['0', '-1', 'NaN', 'Infinity', '', 'ten', '1e9'])
      expect(() => parseBudgetUsd(bad)).toThrow(InvalidArgumentError);
  });

  it('takes 1 to 64 parallel runs, whole numbers only', () => {
    expect(parseMaxParallel('4')).toBe(4);
    for (const bad of ['0', '65', '1.5', '-2', 'two']) expect(() => parseMaxParallel(bad)).toThrow(/1 to 64/);
  });

  it('takes the four autonomy modes and names them when the value is not one', () => {
    expect(parseAutonomy('semi_auto')).toBe('semi_auto');
    expect(() => parseAutonomy('auto')).toThrow('choose one of off, suggest, semi_auto, full_auto.');
  });

  it('builds an every-day schedule in the zone given, and names what does not parse', () => {
    expect(scheduleOf(undefined, undefined)).toBeUndefined();
    expect(scheduleOf('08:00-18:00', 'Europe/Berlin')).toEqual({
      timezone: 'Europe/Berlin',
      windows: [{ days: [0, 1, 2, 3, 4, 5, 6], start: '08:00', end: '18:00' }],
    });
    expect(scheduleOf(undefined, 'Asia/Tokyo')?.windows[0]).toMatchObject({ start: '00:00', end: '24:00' });
    expect(scheduleOf('22:00-06:00', undefined)?.timezone).toBe('UTC');
    expect(() => scheduleOf('8-18', 'UTC')).toThrow(/expected HH:MM/);
    expect(() => scheduleOf('08:00-18:00', 'Mars/Olympus')).toThrow(/Mars\/Olympus.*IANA/);
  });
});
