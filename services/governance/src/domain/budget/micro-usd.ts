import { BudgetInvalidAmountError } from './budget-errors';

/**
 * Money inside the budget domain is a whole number of micro-USD (1e-6 USD) held in a JS number.
 * Integers below 2^53 add and subtract exactly, so a ledger that sums millions of settlements never
 * drifts the way summed float dollars do (0.1 + 0.2 !== 0.3). Every bound below keeps every sum far
 * under Number.MAX_SAFE_INTEGER (9e15 micro-USD = 9e9 USD). Dollars (the contracts' `Money`) are
 * converted only at the edges, with `usdToMicros` and `microsToUsd`.
 */
export type Micros = number;

export const MICROS_PER_USD = 1_000_000;

/** No single cap above a million dollars: such a value is a typo (cents for dollars), not a budget. */
export const MAX_CAP_MICROS: Micros = 1_000_000 * MICROS_PER_USD;

/** No single model call may cost more than this: larger estimates or settlements are refused as absurd. */
export const MAX_CALL_MICROS: Micros = 10_000 * MICROS_PER_USD;

/**
 * Dollars (a finite number >= 0 and <= `maxMicros`) to micro-USD, rounded to the nearest micro-USD.
 * Exact for any amount written with at most six decimals: the double nearest to such a decimal,
 * times 1e6, is within far less than 0.5 of the intended integer, so rounding recovers it.
 */
export function usdToMicros(usd: number, field: string, maxMicros: Micros): Micros {
  if (typeof usd !== 'number' || Number.isNaN(usd)) {
    throw new BudgetInvalidAmountError(field, usd, 'is not a number');
  }
  if (!Number.isFinite(usd)) throw new BudgetInvalidAmountError(field, usd, 'is not finite');
  if (usd < 0) throw new BudgetInvalidAmountError(field, usd, 'is negative');
  const micros = Math.round(usd * MICROS_PER_USD);
  if (micros > maxMicros) {
    throw new BudgetInvalidAmountError(
      field,
      usd,
      `is above the sane maximum of ${microsToUsd(maxMicros)} USD`,
    );
  }
  return micros;
}

/** Micro-USD to dollars for a message or a log line (one division, no accumulated error). */
export function microsToUsd(micros: Micros): number {
  return micros / MICROS_PER_USD;
}

/** Checks an amount already in micro-USD: a safe integer in [0, maxMicros]. */
export function assertMicros(micros: number, field: string, maxMicros: Micros): Micros {
  if (typeof micros !== 'number' || Number.isNaN(micros)) {
    throw new BudgetInvalidAmountError(field, micros, 'is not a number');
  }
  if (!Number.isFinite(micros)) throw new BudgetInvalidAmountError(field, micros, 'is not finite');
  if (micros < 0) throw new BudgetInvalidAmountError(field, micros, 'is negative');
  if (!Number.isInteger(micros)) {
    throw new BudgetInvalidAmountError(field, micros, 'is not a whole number of micro-USD');
  }
  if (micros > maxMicros) {
    throw new BudgetInvalidAmountError(field, micros, `is above the sane maximum of ${maxMicros} micro-USD`);
  }
  return micros;
}
