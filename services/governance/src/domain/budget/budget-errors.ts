import { AutopilotError } from '@autopilot/kernel';

/**
 * The budget domain's refusals of bad input. Each names what was wrong on typed fields; a store
 * adapter or handler turns them into a refused reply or a `budget.exceeded`-free error event, never
 * into a partial ledger write (the pure functions throw before they build any new state).
 */

// The price table's refusals moved with it to @autopilot/model-client/pricing (same classes, same
// codes), so a refusal thrown while pricing a call is the one this domain throws and tests for.
export {
  BudgetInvalidAmountError,
  BudgetInvalidPriceError,
  BudgetUnknownModelError,
} from '@autopilot/model-client/pricing';

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
    options?: ErrorOptions,
  ) {
    super(`${field} = ${String(value)} is not an instant (epoch milliseconds, years 1970-9999)`, options);
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
