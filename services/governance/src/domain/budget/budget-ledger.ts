import {
  BudgetInvalidAmountError,
  BudgetLedgerStateError,
  BudgetReservationConflictError,
  BudgetUnknownReservationError,
} from './budget-errors';
import { assertBudgetInstant, type BudgetScope, type BudgetWindow } from './budget-windows';
import { thresholdReached, type ThresholdLevel } from './budget-thresholds';
import { MAX_CALL_MICROS, assertMicros, type Micros } from './micro-usd';

/**
 * The hard-budget ledger as pure functions from (the state of the windows and the reservation a
 * request touches, the request) to (a decision, the new state of exactly those rows). A store
 * adapter loads the rows, calls one function, and writes the returned rows with the decision's
 * events in one transaction (optimistic revision check or a lock), so concurrent reservations can
 * never both fit into the same headroom.
 *
 * Counting: a window's `used` is settled spend plus open holds. A reservation is refused when it
 * would take `used` past any cap. A reservation stays counted in the windows of the instant it was
 * made (settling after midnight charges yesterday's day), so holds are always returned exactly to
 * where they were taken. Thresholds (80 % warning, 100 % exceeded) are on settled spend only: holds
 * are worst cases and transient, and must not pause a project by themselves. Each threshold is
 * signalled once per window.
 */

/** One window's row. A row the store does not have yet is `EMPTY_WINDOW_USAGE`. */
export interface WindowUsage {
  /** Open reservations. */
  readonly heldMicros: Micros;
  /** Settled spend. */
  readonly spentMicros: Micros;
  /** The 80 % warning was signalled. */
  readonly warned: boolean;
  /** The 100 % threshold was signalled. */
  readonly exceeded: boolean;
}

export const EMPTY_WINDOW_USAGE: WindowUsage = {
  heldMicros: 0,
  spentMicros: 0,
  warned: false,
  exceeded: false,
};

/** A window as a reservation remembers it: the cap it was admitted under, for thresholds at settle. */
export interface HeldWindow {
  readonly scope: BudgetScope;
  readonly key: string;
  readonly capMicros: Micros;
  readonly reopensAt?: number;
}

export type ReservationStatus = 'held' | 'settled' | 'released';

/** A reservation's row; keyed by `reservationId`, which makes every operation on it idempotent. */
export interface Reservation {
  readonly reservationId: string;
  readonly projectId: string;
  readonly runId: string;
  readonly heldMicros: Micros;
  readonly windows: readonly HeldWindow[];
  readonly reservedAt: number;
  readonly status: ReservationStatus;
  /** Settled: what the call cost. */
  readonly actualMicros?: Micros;
  /** Settled or released: the part of the hold returned to the windows. */
  readonly releasedMicros?: Micros;
  /** Settled: spend beyond the hold, charged anyway (the call already happened). */
  readonly overrunMicros?: Micros;
  readonly closedAt?: number;
}

/** The rows a request touches (a slice of the ledger, not all of it). */
export interface LedgerState {
  readonly windows: Readonly<Record<string, WindowUsage>>;
  readonly reservations: Readonly<Record<string, Reservation>>;
}

/** Where a window stands after a decision. */
export interface WindowStanding {
  readonly scope: BudgetScope;
  readonly key: string;
  readonly capMicros: Micros;
  readonly heldMicros: Micros;
  readonly spentMicros: Micros;
  /** Cap minus held minus spent, never below 0. */
  readonly remainingMicros: Micros;
  readonly reopensAt?: number;
}

/** A threshold newly reached: `warning` → `budget.updated` with a warning; `exceeded` → `budget.exceeded`. */
export interface BudgetAlert extends WindowStanding {
  readonly level: ThresholdLevel;
}

/** A cap the refused reservation would have passed. */
export interface CapShortfall extends WindowStanding {
  readonly requestedMicros: Micros;
}

export interface ReserveRequest {
  readonly reservationId: string;
  readonly projectId: string;
  readonly runId: string;
  /** The worst case, from `worstCaseCostMicros`. */
  readonly amountMicros: Micros;
  /** From `budgetWindowsAt(…, at)`. */
  readonly windows: readonly BudgetWindow[];
  readonly at: number;
}

export type ReserveDecision =
  | {
      readonly type: 'granted';
      readonly reservationId: string;
      readonly heldMicros: Micros;
      readonly windows: readonly WindowStanding[];
      /** True when this id was already reserved (or closed): nothing changed. */
      readonly replay: boolean;
    }
  | {
      readonly type: 'refused';
      readonly reservationId: string;
      readonly requestedMicros: Micros;
      /** Every cap it would pass, in window order; the first is the one to report. */
      readonly shortfalls: readonly [CapShortfall, ...CapShortfall[]];
      readonly windows: readonly WindowStanding[];
    };

export interface SettleRequest {
  readonly reservationId: string;
  /** What the call cost, from `usageCostMicros`. */
  readonly actualMicros: Micros;
  readonly at: number;
}

export interface SettleDecision {
  readonly type: 'settled';
  readonly reservationId: string;
  readonly actualMicros: Micros;
  readonly releasedMicros: Micros;
  readonly overrunMicros: Micros;
  readonly alerts: readonly BudgetAlert[];
  readonly windows: readonly WindowStanding[];
  /** True for a repeat settle: the first one's figures, nothing changed, no alerts. */
  readonly replay: boolean;
}

export interface ReleaseRequest {
  readonly reservationId: string;
  readonly at: number;
}

export interface ReleaseDecision {
  readonly type: 'released';
  readonly reservationId: string;
  readonly releasedMicros: Micros;
  readonly windows: readonly WindowStanding[];
  /** True when the reservation was already settled or released: nothing changed. */
  readonly replay: boolean;
}

export interface Outcome<D> {
  readonly decision: D;
  /** The full new state of the slice handed in (unchanged rows included, same objects). */
  readonly state: LedgerState;
}

/** Hold `amountMicros` in every window, or refuse naming each cap it would pass. */
export function reserve(state: LedgerState, req: ReserveRequest): Outcome<ReserveDecision> {
  const amount = assertMicros(req.amountMicros, 'amountMicros', MAX_CALL_MICROS);
  const at = assertBudgetInstant('at', req.at);
  requireId('reservationId', req.reservationId);
  requireId('projectId', req.projectId);
  requireId('runId', req.runId);
  if (req.windows.length === 0)
    throw new BudgetLedgerStateError('a reservation must count against at least one window');
  if (new Set(req.windows.map((w) => w.key)).size !== req.windows.length) {
    throw new BudgetLedgerStateError('a reservation names the same window twice');
  }

  const existing = state.reservations[req.reservationId];
  if (existing) {
    const same =
      existing.projectId === req.projectId &&
      existing.runId === req.runId &&
      existing.heldMicros === amount &&
      sameKeys(existing.windows, req.windows);
    if (!same) {
      throw new BudgetReservationConflictError(req.reservationId, 'already used for a different reservation');
    }
    return {
      decision: {
        type: 'granted',
        reservationId: existing.reservationId,
        heldMicros: existing.heldMicros,
        windows: standings(state, existing.windows),
        replay: true,
      },
      state,
    };
  }

  const shortfalls: CapShortfall[] = [];
  for (const w of req.windows) {
    const u = usage(state, w.key);
    if (u.heldMicros + u.spentMicros + amount > w.capMicros)
      shortfalls.push({ ...standing(w, u), requestedMicros: amount });
  }
  const [first, ...rest] = shortfalls;
  if (first) {
    return {
      decision: {
        type: 'refused',
        reservationId: req.reservationId,
        requestedMicros: amount,
        shortfalls: [first, ...rest],
        windows: standings(state, req.windows),
      },
      state,
    };
  }

  const windows = { ...state.windows };
  for (const w of req.windows) {
    const u = usage(state, w.key);
    windows[w.key] = { ...u, heldMicros: u.heldMicros + amount };
  }
  const reservation: Reservation = {
    reservationId: req.reservationId,
    projectId: req.projectId,
    runId: req.runId,
    heldMicros: amount,
    windows: req.windows.map(heldWindow),
    reservedAt: at,
    status: 'held',
  };
  const next: LedgerState = {
    windows,
    reservations: { ...state.reservations, [req.reservationId]: reservation },
  };
  return {
    decision: {
      type: 'granted',
      reservationId: req.reservationId,
      heldMicros: amount,
      windows: standings(next, reservation.windows),
      replay: false,
    },
    state: next,
  };
}

/**
 * Charge the actual cost and return the rest of the hold. A repeat settle is a no-op answering with
 * the first one's figures; a settle after a release is refused (its spend was given up for lost).
 */
export function settle(state: LedgerState, req: SettleRequest): Outcome<SettleDecision> {
  const actual = assertMicros(req.actualMicros, 'actualMicros', MAX_CALL_MICROS);
  const at = assertBudgetInstant('at', req.at);
  const r = reservationOf(state, req.reservationId);
  switch (r.status) {
    case 'settled':
      return {
        decision: {
          type: 'settled',
          reservationId: r.reservationId,
          actualMicros: r.actualMicros ?? 0,
          releasedMicros: r.releasedMicros ?? 0,
          overrunMicros: r.overrunMicros ?? 0,
          alerts: [],
          windows: standings(state, r.windows),
          replay: true,
        },
        state,
      };
    case 'released':
      throw new BudgetReservationConflictError(
        r.reservationId,
        'was released, so it can no longer be settled',
      );
    case 'held':
      break;
    default: {
      const unknown: never = r.status;
      throw new BudgetLedgerStateError(`reservation status ${String(unknown)}`);
    }
  }
  const windows = { ...state.windows };
  const alerts: BudgetAlert[] = [];
  for (const w of r.windows) {
    const u = heldUsage(state, w.key, r);
    const spent = u.spentMicros + actual;
    const level = thresholdReached(w.capMicros, spent, u);
    const next: WindowUsage = {
      heldMicros: u.heldMicros - r.heldMicros,
      spentMicros: spent,
      warned: u.warned || level !== undefined,
      exceeded: u.exceeded || level === 'exceeded',
    };
    windows[w.key] = next;
    if (level) alerts.push({ ...standing(w, next), level });
  }
  const releasedMicros = Math.max(0, r.heldMicros - actual);
  const overrunMicros = Math.max(0, actual - r.heldMicros);
  const closed: Reservation = {
    ...r,
    status: 'settled',
    actualMicros: actual,
    releasedMicros,
    overrunMicros,
    closedAt: at,
  };
  const next: LedgerState = { windows, reservations: { ...state.reservations, [r.reservationId]: closed } };
  return {
    decision: {
      type: 'settled',
      reservationId: r.reservationId,
      actualMicros: actual,
      releasedMicros,
      overrunMicros,
      alerts,
      windows: standings(next, r.windows),
      replay: false,
    },
    state: next,
  };
}

/** Return the whole hold (the call was not made). A repeat, or a release after a settle, is a no-op. */
export function release(state: LedgerState, req: ReleaseRequest): Outcome<ReleaseDecision> {
  const at = assertBudgetInstant('at', req.at);
  const r = reservationOf(state, req.reservationId);
  if (r.status !== 'held') {
    return {
      decision: {
        type: 'released',
        reservationId: r.reservationId,
        releasedMicros: r.releasedMicros ?? 0,
        windows: standings(state, r.windows),
        replay: true,
      },
      state,
    };
  }
  const windows = { ...state.windows };
  for (const w of r.windows) {
    const u = heldUsage(state, w.key, r);
    windows[w.key] = { ...u, heldMicros: u.heldMicros - r.heldMicros };
  }
  const closed: Reservation = { ...r, status: 'released', releasedMicros: r.heldMicros, closedAt: at };
  const next: LedgerState = { windows, reservations: { ...state.reservations, [r.reservationId]: closed } };
  return {
    decision: {
      type: 'released',
      reservationId: r.reservationId,
      releasedMicros: r.heldMicros,
      windows: standings(next, r.windows),
      replay: false,
    },
    state: next,
  };
}

function usage(state: LedgerState, key: string): WindowUsage {
  return Object.hasOwn(state.windows, key) ? (state.windows[key] as WindowUsage) : EMPTY_WINDOW_USAGE;
}

/** A window row that must still hold `r`'s amount; anything less means the adapter lost a row. */
function heldUsage(state: LedgerState, key: string, r: Reservation): WindowUsage {
  const u = usage(state, key);
  if (u.heldMicros < r.heldMicros) {
    throw new BudgetLedgerStateError(
      `window ${key} holds ${u.heldMicros} micro-USD, less than reservation ${r.reservationId}'s ${r.heldMicros}`,
    );
  }
  return u;
}

function reservationOf(state: LedgerState, reservationId: string): Reservation {
  requireId('reservationId', reservationId);
  if (!Object.hasOwn(state.reservations, reservationId))
    throw new BudgetUnknownReservationError(reservationId);
  return state.reservations[reservationId] as Reservation;
}

function standing(w: HeldWindow, u: WindowUsage): WindowStanding {
  return {
    scope: w.scope,
    key: w.key,
    capMicros: w.capMicros,
    heldMicros: u.heldMicros,
    spentMicros: u.spentMicros,
    remainingMicros: Math.max(0, w.capMicros - u.heldMicros - u.spentMicros),
    ...(w.reopensAt === undefined ? {} : { reopensAt: w.reopensAt }),
  };
}

function standings(state: LedgerState, windows: readonly HeldWindow[]): WindowStanding[] {
  return windows.map((w) => standing(w, usage(state, w.key)));
}

function heldWindow(w: BudgetWindow): HeldWindow {
  return {
    scope: w.scope,
    key: w.key,
    capMicros: w.capMicros,
    ...(w.reopensAt === undefined ? {} : { reopensAt: w.reopensAt }),
  };
}

function sameKeys(a: readonly HeldWindow[], b: readonly BudgetWindow[]): boolean {
  return a.length === b.length && a.every((w, i) => w.key === b[i]?.key);
}

function requireId(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw new BudgetInvalidAmountError(field, value, 'is not an id (1-128 characters)');
  }
}
