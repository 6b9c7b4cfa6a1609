import { describe, expect, it } from '@jest/globals';
import {
  BudgetInvalidAmountError,
  BudgetLedgerStateError,
  BudgetReservationConflictError,
  BudgetUnknownReservationError,
} from './budget-errors';
import { release, reserve, settle, type LedgerState, type ReserveRequest } from './budget-ledger';
import type { BudgetWindow } from './budget-windows';

const AT = Date.parse('2026-03-29T12:00:00Z');
const EMPTY: LedgerState = { windows: {}, reservations: {} };
const windows: BudgetWindow[] = [
  { scope: 'run', key: 'run/p/r', capMicros: 100 },
  { scope: 'daily', key: 'daily/p/2026-03-29', capMicros: 300, opensAt: 0, reopensAt: 1_000 },
  { scope: 'weekly', key: 'weekly/p/2026-W13', capMicros: 1_000, opensAt: 0, reopensAt: 7_000 },
];
const req = (id: string, amountMicros: number, over: Partial<ReserveRequest> = {}): ReserveRequest => ({
  reservationId: id,
  projectId: 'p',
  runId: 'r',
  amountMicros,
  windows,
  at: AT,
  ...over,
});

describe('reserve', () => {
  it('holds the amount in every window and reports what is left', () => {
    const { decision, state } = reserve(EMPTY, req('a', 60));
    expect(decision).toMatchObject({ type: 'granted', heldMicros: 60, replay: false });
    if (decision.type !== 'granted') throw new Error('granted');
    expect(decision.windows.map((w) => [w.scope, w.remainingMicros])).toEqual([
      ['run', 40],
      ['daily', 240],
      ['weekly', 940],
    ]);
    expect(state.windows['daily/p/2026-03-29']).toEqual({
      heldMicros: 60,
      spentMicros: 0,
      warned: false,
      exceeded: false,
    });
    expect(state.reservations.a?.status).toBe('held');
  });

  it.each([
    // held before, amount, granted?, first refused scope
    [0, 100, true, undefined],
    [0, 101, false, 'run'],
    [40, 61, false, 'run'],
    [40, 60, true, undefined],
  ])('with %p held, reserving %p: granted %p (refused by %p)', (held, amount, granted, scope) => {
    const before = held ? reserve(EMPTY, req('h', held)).state : EMPTY;
    const { decision, state } = reserve(before, req('x', amount));
    expect(decision.type === 'granted').toBe(granted);
    if (decision.type === 'refused') {
      expect(decision.shortfalls[0]).toMatchObject({
        scope,
        requestedMicros: amount,
        remainingMicros: 100 - held,
      });
      expect(state).toBe(before);
    }
  });

  it('names every cap it would pass, run first, with how much is left', () => {
    const spent: LedgerState = {
      windows: { 'daily/p/2026-03-29': { heldMicros: 0, spentMicros: 290, warned: true, exceeded: false } },
      reservations: {},
    };
    const { decision } = reserve(spent, req('x', 50));
    if (decision.type !== 'refused') throw new Error('refused');
    expect(decision.shortfalls.map((s) => [s.scope, s.capMicros, s.remainingMicros])).toEqual([
      ['daily', 300, 10],
    ]);
    const both = reserve(spent, req('y', 200));
    if (both.decision.type !== 'refused') throw new Error('refused');
    expect(both.decision.shortfalls.map((s) => s.scope)).toEqual(['run', 'daily']);
  });

  it('is idempotent by reservation id: a repeat is a no-op granted again', () => {
    const first = reserve(EMPTY, req('a', 60));
    const again = reserve(first.state, req('a', 60));
    expect(again.decision).toMatchObject({ type: 'granted', replay: true, heldMicros: 60 });
    expect(again.state).toBe(first.state);
  });

  it.each([
    [{ amountMicros: 61 }],
    [{ runId: 'other' }],
    [{ projectId: 'q' }],
    [{ windows: windows.slice(0, 2) }],
  ])('refuses a reused id with a different request %p', (over) => {
    const first = reserve(EMPTY, req('a', 60));
    expect(() => reserve(first.state, { ...req('a', 60), ...over })).toThrow(BudgetReservationConflictError);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [0.5], [10_000_000_001]])(
    'refuses amount %p without touching the state',
    (amount) => {
      expect(() => reserve(EMPTY, req('a', amount))).toThrow(BudgetInvalidAmountError);
    },
  );

  it('refuses no windows, a window named twice, an empty id and a bad instant', () => {
    expect(() => reserve(EMPTY, req('a', 1, { windows: [] }))).toThrow(BudgetLedgerStateError);
    expect(() =>
      reserve(EMPTY, req('a', 1, { windows: [windows[0] as BudgetWindow, windows[0] as BudgetWindow] })),
    ).toThrow(BudgetLedgerStateError);
    expect(() => reserve(EMPTY, req('', 1))).toThrow(BudgetInvalidAmountError);
    expect(() => reserve(EMPTY, req('a', 1, { at: Number.NaN }))).toThrow('is not an instant');
  });
});

describe('settle', () => {
  it('charges the actual cost and releases the rest', () => {
    const held = reserve(EMPTY, req('a', 60)).state;
    const { decision, state } = settle(held, { reservationId: 'a', actualMicros: 25, at: AT + 1 });
    expect(decision).toMatchObject({
      type: 'settled',
      actualMicros: 25,
      releasedMicros: 35,
      overrunMicros: 0,
      replay: false,
    });
    expect(state.windows['run/p/r']).toMatchObject({ heldMicros: 0, spentMicros: 25 });
    expect(state.reservations.a).toMatchObject({ status: 'settled', actualMicros: 25, closedAt: AT + 1 });
  });

  it('charges an overrun anyway (the call already happened)', () => {
    const held = reserve(EMPTY, req('a', 60)).state;
    const { decision, state } = settle(held, { reservationId: 'a', actualMicros: 130, at: AT });
    expect(decision).toMatchObject({ releasedMicros: 0, overrunMicros: 70 });
    expect(state.windows['run/p/r']).toMatchObject({ heldMicros: 0, spentMicros: 130 });
  });

  it('a second settle is a no-op with the first figures, never a double count', () => {
    const held = reserve(EMPTY, req('a', 60)).state;
    const once = settle(held, { reservationId: 'a', actualMicros: 25, at: AT });
    const twice = settle(once.state, { reservationId: 'a', actualMicros: 50, at: AT + 5 });
    expect(twice.state).toBe(once.state);
    expect(twice.decision).toMatchObject({ actualMicros: 25, releasedMicros: 35, replay: true, alerts: [] });
  });

  it.each([
    // cap 100 run window: spent after settle → alerts on the run window
    [79, []],
    [80, ['warning']],
    [100, ['exceeded']],
  ])('settled spend %p of a 100 cap signals %p', (actual, levels) => {
    const held = reserve(EMPTY, req('a', 100)).state;
    const { decision } = settle(held, { reservationId: 'a', actualMicros: actual, at: AT });
    expect(decision.alerts.filter((a) => a.scope === 'run').map((a) => a.level)).toEqual(levels);
  });

  it('signals each threshold once per window, warning then exceeded', () => {
    let s = EMPTY;
    const levels: string[] = [];
    for (const [id, amount] of [
      ['a', 85],
      ['b', 10],
      ['c', 5],
      ['d', 0],
    ] as const) {
      s = reserve(s, req(id, amount)).state;
      const out = settle(s, { reservationId: id, actualMicros: amount, at: AT });
      s = out.state;
      levels.push(out.decision.alerts.map((a) => `${a.scope}:${a.level}`).join(','));
    }
    expect(levels).toEqual(['run:warning', '', 'run:exceeded', '']);
    expect(s.windows['daily/p/2026-03-29']).toMatchObject({ spentMicros: 100, warned: false });
  });

  it('refuses unknown ids, a settle after a release, bad amounts and a state that lost a hold', () => {
    const held = reserve(EMPTY, req('a', 60)).state;
    expect(() => settle(held, { reservationId: 'zz', actualMicros: 1, at: AT })).toThrow(
      BudgetUnknownReservationError,
    );
    expect(() => settle(held, { reservationId: 'toString', actualMicros: 1, at: AT })).toThrow(
      BudgetUnknownReservationError,
    );
    expect(() => settle(held, { reservationId: 'a', actualMicros: -3, at: AT })).toThrow(
      BudgetInvalidAmountError,
    );
    const released = release(held, { reservationId: 'a', at: AT }).state;
    expect(() => settle(released, { reservationId: 'a', actualMicros: 1, at: AT })).toThrow(
      BudgetReservationConflictError,
    );
    const lost: LedgerState = { ...held, windows: {} };
    expect(() => settle(lost, { reservationId: 'a', actualMicros: 1, at: AT })).toThrow(
      BudgetLedgerStateError,
    );
  });
});

describe('release', () => {
  it('returns exactly the hold, once', () => {
    const held = reserve(EMPTY, req('a', 60)).state;
    const once = release(held, { reservationId: 'a', at: AT });
    expect(once.decision).toMatchObject({ releasedMicros: 60, replay: false });
    expect(once.state.windows['weekly/p/2026-W13']).toMatchObject({ heldMicros: 0, spentMicros: 0 });
    const twice = release(once.state, { reservationId: 'a', at: AT });
    expect(twice.state).toBe(once.state);
    expect(twice.decision).toMatchObject({ releasedMicros: 60, replay: true });
  });

  it('after a settle is a no-op', () => {
    const held = reserve(EMPTY, req('a', 60)).state;
    const settled = settle(held, { reservationId: 'a', actualMicros: 10, at: AT }).state;
    const out = release(settled, { reservationId: 'a', at: AT });
    expect(out.state).toBe(settled);
    expect(out.decision).toMatchObject({ replay: true, releasedMicros: 50 });
  });
});
