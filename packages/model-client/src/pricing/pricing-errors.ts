import { AutopilotError } from '@autopilot/kernel';

/**
 * Refusals of a price or an amount the price table cannot work with. The codes keep their
 * `GOVERNANCE_BUDGET_` prefix: governance answers a reservation that fails with one of them as a
 * refusal (it branches on the prefix), and these classes moved here from governance unchanged so the
 * worker's client and governance price a call the same way.
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
