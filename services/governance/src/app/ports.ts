import type { Envelope } from '@autopilot/contracts';
import type { Reservation, WindowUsage } from '../domain/budget/budget-ledger';

/**
 * Governance's own ports: what the budget use cases need from the outside world. Adapters live in
 * ../adapters; the module binds them.
 */

/** What governance knows of a project's budgets, from the last `project.updated` it took. */
export interface ProjectBudgetRecord {
  readonly projectId: string;
  /** The project's revision in that event; older events are ignored. */
  readonly projectRevision: number;
  /** In US dollars, as the manager sent them (checked when a reservation uses them). */
  readonly caps: { readonly runUsd: number; readonly dailyUsd: number; readonly weeklyUsd: number };
  /** The project's schedule time zone, else UTC: its days and weeks are counted there. */
  readonly timeZone: string;
  /** Store revision (compare-and-set); absent before the first commit. */
  readonly version?: number;
}

/** Project budgets (`project_budgets`), kept from `project.updated`. */
export interface ProjectBudgetRepository {
  get(projectId: string): Promise<ProjectBudgetRecord | null>;
  /**
   * Stores `next` by compare-and-set on `expectedVersion` (0: new) and records the message being
   * handled, in one transaction. Rejects with StoreRevisionConflictError when it changed meanwhile.
   */
  commit(next: ProjectBudgetRecord, expectedVersion: number, events: readonly Envelope[]): Promise<void>;
}
export const ProjectBudgetRepository = Symbol('ProjectBudgetRepository');

/** A reservation as the ledger stores it: the domain's row, plus the model it was priced at. */
export interface StoredReservation {
  readonly reservation: Reservation;
  /** The model whose price made the hold; a settle's reported usage is priced at it. */
  readonly model?: string;
}

/** The ledger rows one request may read inside its transaction (each read is remembered for the commit). */
export interface LedgerReads {
  project(projectId: string): Promise<ProjectBudgetRecord | null>;
  /** Rows by window key; a key never written is absent. */
  windows(keys: readonly string[]): Promise<Record<string, WindowUsage>>;
  reservation(reservationId: string): Promise<StoredReservation | null>;
  /** The project's ledger revision (the `revision` of its `budget.updated`), 0 before any. */
  ledgerRevision(projectId: string): Promise<number>;
}

/** What one request changes: rows and events, all written in its transaction, or nothing. */
export interface LedgerChange<R> {
  readonly result: R;
  /** New window rows by key (each read before through LedgerReads.windows). */
  readonly windows?: Readonly<Record<string, WindowUsage>>;
  readonly reservation?: StoredReservation;
  /** A new ledger revision for the project (read before through LedgerReads.ledgerRevision). */
  readonly ledgerRevision?: { readonly projectId: string; readonly revision: number };
  readonly events: readonly Envelope[];
}

/**
 * The budget ledger (`budget_windows`, `budget_reservations`, `budget_heads`). `update` reads the
 * rows a request touches and writes what `decide` returns in ONE transaction, every write a
 * compare-and-set on the revision read, with the events in the outbox; on a revision conflict (a
 * concurrent request wrote a row first, MongoDB) it runs `decide` again on fresh rows, a bounded
 * number of times. So two reservations can never both fit into the same headroom.
 */
export interface BudgetLedgerRepository {
  update<R>(decide: (reads: LedgerReads) => Promise<LedgerChange<R>>): Promise<R>;
}
export const BudgetLedgerRepository = Symbol('BudgetLedgerRepository');

/** The governance settings the budget use cases read (governance-settings.ts, bound by the module). */
export const BudgetConfig = Symbol('BudgetConfig');
