/**
 * Prices and costs are whole numbers of micro-USD (1e-6 USD) held in a JS number: integers below
 * 2^53 add exactly, where summed float dollars drift. Dollars are converted only at the edges.
 */
export type Micros = number;

export const MICROS_PER_USD = 1_000_000;

/** No single model call may cost more than this: larger estimates or settlements are refused as absurd. */
export const MAX_CALL_MICROS: Micros = 10_000 * MICROS_PER_USD;

/** Micro-USD to dollars for a message, a span or a contract field (one division, no accumulated error). */
export function microsToUsd(micros: Micros): number {
  return micros / MICROS_PER_USD;
}
