import type { TokenUsage } from './pricing';

/** The caps a reservation can be refused by (governance's budget scopes). */
export type BudgetCapScope = 'run' | 'daily' | 'weekly' | 'global_daily' | 'global_weekly';

/** What one model call asks to hold before it is made. */
export interface BudgetReservationRequest {
  /** Chosen by the client, so a retried reservation request holds once. */
  readonly reservationId: string;
  readonly projectId: string;
  readonly runId?: string;
  readonly taskId?: string;
  /** What the money is for, e.g. `worker_code step 12`. */
  readonly purpose: string;
  readonly model: string;
  /** The worst case at the client's price table: input estimate plus `maxTokens` of output. */
  readonly estimateUsd: number;
  /** Estimated prompt tokens (counted with the tokenizer). */
  readonly inputTokens: number;
  /** The call's `max_tokens`. */
  readonly maxTokens: number;
}

export type BudgetReservation =
  | { readonly granted: true; readonly reservationId: string }
  | {
      readonly granted: false;
      /** Why, in words, e.g. "the daily cap would be passed". */
      readonly reason: string;
      /** Which cap refused it, when one did. */
      readonly scope?: BudgetCapScope;
    };

/** Names a granted reservation when it is settled or released. */
export interface BudgetReservationRef {
  readonly reservationId: string;
  readonly projectId: string;
  readonly runId?: string;
}

/**
 * Where model calls ask for money: every call reserves its worst case first and then either settles
 * it with what the provider reported or releases it when the provider billed nothing. Governance
 * answers over the bus in production (`@autopilot/model-client/governance`).
 */
export interface BudgetAdmission {
  /** True for an admission that keeps no ledger (unmeteredAdmission): spans say so. */
  readonly unmetered?: boolean;
  /** Holds the estimate, or refuses naming the cap; rejects only when the budget cannot be asked. */
  reserve(request: BudgetReservationRequest): Promise<BudgetReservation>;
  /** Charges a granted reservation with the call's cost and usage, returning the rest. Idempotent. */
  settle(
    reservation: BudgetReservationRef & { readonly actualUsd: number; readonly usage: TokenUsage },
  ): Promise<void>;
  /** Returns all of a granted reservation: the call was not billed. Idempotent. */
  release(reservation: BudgetReservationRef): Promise<void>;
}

/**
 * An admission that grants every call and keeps no ledger, for callers whose spend is bounded
 * another way (the planner bounds its calls per planning). Named so that choosing it is a visible
 * decision in the composition root: the span of every call it admits says `unmetered`.
 */
export function unmeteredAdmission(): BudgetAdmission {
  return {
    unmetered: true,
    reserve: (request) => Promise.resolve({ granted: true, reservationId: request.reservationId }),
    settle: () => Promise.resolve(),
    release: () => Promise.resolve(),
  };
}
