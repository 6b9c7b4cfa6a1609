import { describe, expect, it } from '@jest/globals';
import {
  BudgetInvalidAmountError,
  BudgetInvalidInstantError,
  BudgetInvalidTimeZoneError,
} from './budget-errors';
import { budgetWindowsAt, dayWindowAt, projectCapsFromUsd, weekWindowAt } from './budget-windows';

const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('dayWindowAt across DST', () => {
  it.each([
    // zone, instant, day key, opens, reopens
    [
      'Europe/Berlin',
      '2026-03-29T00:59:59Z',
      '2026-03-29',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-03-29T01:00:00Z',
      '2026-03-29',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-03-29T21:59:59.999Z',
      '2026-03-29',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-03-29T22:00:00Z',
      '2026-03-30',
      '2026-03-29T22:00:00.000Z',
      '2026-03-30T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-10-25T00:30:00Z',
      '2026-10-25',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-10-25T01:30:00Z',
      '2026-10-25',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-10-25T22:59:59Z',
      '2026-10-25',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-03-08T04:59:59Z',
      '2026-03-07',
      '2026-03-07T05:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-03-08T07:00:00Z',
      '2026-03-08',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-03-09T03:59:59Z',
      '2026-03-08',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-11-01T05:30:00Z',
      '2026-11-01',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-11-01T06:30:00Z',
      '2026-11-01',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-11-02T04:59:59Z',
      '2026-11-01',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    // Havana springs forward at midnight: 2026-03-08 has no 00:00, it starts at 01:00 CDT.
    [
      'America/Havana',
      '2026-03-08T05:00:00Z',
      '2026-03-08',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'America/Havana',
      '2026-03-08T04:59:59Z',
      '2026-03-07',
      '2026-03-07T05:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
    ],
    ['UTC', '2026-12-31T23:59:59Z', '2026-12-31', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    [
      'Asia/Kolkata',
      '2026-06-01T18:29:59Z',
      '2026-06-01',
      '2026-05-31T18:30:00.000Z',
      '2026-06-01T18:30:00.000Z',
    ],
  ])('%s at %s is day %s, %s to %s', (zone, at, key, opens, reopens) => {
    const w = dayWindowAt(zone, t(at));
    expect({ key: w.key, opens: iso(w.opensAt), reopens: iso(w.reopensAt) }).toEqual({ key, opens, reopens });
  });
});

describe('weekWindowAt across DST', () => {
  it.each([
    [
      'Europe/Berlin',
      '2026-03-29T21:59:59Z',
      '2026-W13',
      '2026-03-22T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-03-29T22:00:00Z',
      '2026-W14',
      '2026-03-29T22:00:00.000Z',
      '2026-04-05T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-10-25T22:59:59Z',
      '2026-W43',
      '2026-10-18T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-03-08T12:00:00Z',
      '2026-W10',
      '2026-03-02T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-03-09T04:00:00Z',
      '2026-W11',
      '2026-03-09T04:00:00.000Z',
      '2026-03-16T04:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-11-01T12:00:00Z',
      '2026-W44',
      '2026-10-26T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    // Friday 2027-01-01 is still in ISO week 53 of 2026; in Tokyo that Friday starts at 15:00Z on Thursday.
    [
      'Asia/Tokyo',
      '2026-12-31T15:00:00Z',
      '2026-W53',
      '2026-12-27T15:00:00.000Z',
      '2027-01-03T15:00:00.000Z',
    ],
    ['UTC', '2024-12-30T00:00:00Z', '2025-W01', '2024-12-30T00:00:00.000Z', '2025-01-06T00:00:00.000Z'],
  ])('%s at %s is week %s, %s to %s', (zone, at, key, opens, reopens) => {
    const w = weekWindowAt(zone, t(at));
    expect({ key: w.key, opens: iso(w.opensAt), reopens: iso(w.reopensAt) }).toEqual({ key, opens, reopens });
  });
});

describe('bad zones and instants', () => {
  it.each([['Mars/Olympus_Mons'], ['Europe/Berln'], [''], ['+01:00'], [42]])(
    'refuses zone %p, naming it',
    (zone) => {
      let err: unknown;
      try {
        dayWindowAt(zone as string, t('2026-01-01T00:00:00Z'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BudgetInvalidTimeZoneError);
      expect(err).toMatchObject({ code: 'GOVERNANCE_BUDGET_INVALID_TIME_ZONE', timeZone: zone });
    },
  );

  it.each([[Number.NaN], [-1], [1.5], [Number.POSITIVE_INFINITY], [1e16]])('refuses instant %p', (at) => {
    expect(() => weekWindowAt('UTC', at)).toThrow(BudgetInvalidInstantError);
  });
});

describe('budgetWindowsAt', () => {
  const project = {
    projectId: 'p:1/x',
    timeZone: 'Europe/Berlin',
    caps: projectCapsFromUsd({ runUsd: 2, dailyUsd: 10, weeklyUsd: 50 }),
  };

  it('lists run, day and week windows with keys that cannot collide across projects', () => {
    const ws = budgetWindowsAt({ project, runId: 'r/1', at: t('2026-03-29T12:00:00Z') });
    expect(ws.map((w) => [w.scope, w.key, w.capMicros])).toEqual([
      ['run', 'run/p%3A1%2Fx/r%2F1', 2_000_000],
      ['daily', 'daily/p%3A1%2Fx/2026-03-29', 10_000_000],
      ['weekly', 'weekly/p%3A1%2Fx/2026-W13', 50_000_000],
    ]);
    expect(ws[0]?.reopensAt).toBeUndefined();
    expect(iso(ws[1]?.reopensAt as number)).toBe('2026-03-29T22:00:00.000Z');
  });

  it('adds the global caps, counted in their own zone', () => {
    const ws = budgetWindowsAt({
      project,
      runId: 'r1',
      at: t('2026-03-29T23:30:00Z'),
      global: { timeZone: 'UTC', dailyMicros: 100_000_000, weeklyMicros: 500_000_000 },
    });
    expect(ws.map((w) => w.key)).toEqual([
      'run/p%3A1%2Fx/r1',
      'daily/p%3A1%2Fx/2026-03-30',
      'weekly/p%3A1%2Fx/2026-W14',
      'global_daily/2026-03-29',
      'global_weekly/2026-W13',
    ]);
  });

  it.each([
    [{ runUsd: 0, dailyUsd: 1, weeklyUsd: 1 }, 'caps.runUsd'],
    [{ runUsd: 1, dailyUsd: -1, weeklyUsd: 1 }, 'caps.dailyUsd'],
    [{ runUsd: 1, dailyUsd: 1, weeklyUsd: Number.NaN }, 'caps.weeklyUsd'],
    [{ runUsd: 1, dailyUsd: 1, weeklyUsd: 2_000_000 }, 'caps.weeklyUsd'],
  ])('refuses caps %p naming %s', (caps, field) => {
    let err: unknown;
    try {
      projectCapsFromUsd(caps);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BudgetInvalidAmountError);
    expect(err).toMatchObject({ field });
  });
});
