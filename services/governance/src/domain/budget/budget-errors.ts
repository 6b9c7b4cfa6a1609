import { AutopilotError } from '@autopilot/kernel';

/**
 * The budget domain's refusals of bad input. Each names what was wrong on typed fields; a store
 * adapter or handler turns them into a refused reply or a `budget.exceeded`-free error event, never
 * into a partial ledger write (the pure functions throw before they build any new state).
 */

/** The model is not in the price table: fail closed, nothing is reserved. */
export class BudgetUnknownModelError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_UNKNOWN_MODEL';
  constructor(readonly model: string) {
    super(`model ${JSON.stringify(model)} is not in the price table: no reservation without a price`);
  }
}

/** A model's price is missing, not a number, not finite, negative, zero (except cached input) or absurd. */
export class BudgetInvalidPriceError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_INVALID_PRICE';
  constructor(
    readonly model: string,
    readonly field: string,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`model ${JSON.stringify(model)}: price ${field} = ${String(value)} ${problem}`);
  }
}

/** A cost, cap or token count that is negative, NaN, infinite, fractional where whole, or absurdly large. */
export class BudgetInvalidAmountError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_INVALID_AMOUNT';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`${field} = ${String(value)} ${problem}`);
  }
}

/** A time zone that Intl does not know (or that is not a string). */
export class BudgetInvalidTimeZoneError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_INVALID_TIME_ZONE';
  constructor(
    readonly timeZone: unknown,
    options?: ErrorOptions,
  ) {
    super(`time zone ${JSON.stringify(timeZone)} is not a valid IANA time zone`, options);
  }
}

/** An instant that is not a finite epoch-millisecond number between 1970 and 9999. */
export class BudgetInvalidInstantError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_INVALID_INSTANT';
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field} = ${String(value)} is not an instant (epoch milliseconds, years 1970-9999)`);
  }
}

/** Settle or release of a reservation id the ledger has never granted. */
export class BudgetUnknownReservationError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_UNKNOWN_RESERVATION';
  constructor(readonly reservationId: string) {
    super(`reservation ${JSON.stringify(reservationId)} does not exist`);
  }
}

/**
 * A reservation id reused for a different request, or a settle after the reservation was released
 * (its spend would otherwise go unrecorded or be counted twice).
 */
export class BudgetReservationConflictError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_RESERVATION_CONFLICT';
  constructor(
    readonly reservationId: string,
    readonly problem: string,
  ) {
    super(`reservation ${JSON.stringify(reservationId)}: ${problem}`);
  }
}

/** The ledger state handed in does not cover what the request touches (an adapter bug, not user input). */
export class BudgetLedgerStateError extends AutopilotError {
  readonly code = 'GOVERNANCE_BUDGET_LEDGER_STATE';
  constructor(readonly problem: string) {
    super(`budget ledger state: ${problem}`);
  }
}
