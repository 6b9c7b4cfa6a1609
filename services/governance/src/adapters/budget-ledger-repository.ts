import type { Clock } from '@autopilot/kernel';
import {
  appendToOutbox,
  replaceRevisioned,
  StoreRevisionConflictError,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
  type StoreTransaction,
} from '@autopilot/store';
import { readVersions } from './read-versions';
import type {
  BudgetLedgerRepository,
  LedgerChange,
  LedgerReads,
  ProjectBudgetRecord,
  StoredReservation,
} from '../app/ports';
import type { WindowUsage } from '../domain/budget/budget-ledger';
import { PROJECT_BUDGETS, projectBudgetOf, type ProjectBudgetDoc } from './project-budget-repository';

const WINDOWS = 'budget_windows';
const RESERVATIONS = 'budget_reservations';
const HEADS = 'budget_heads';

/** The ledger's collections, declared by the service definition (index.ts). */
export const BUDGET_LEDGER_COLLECTIONS: readonly CollectionSpec[] = [
  { name: WINDOWS },
  { name: RESERVATIONS, indexes: [{ fields: { 'reservation.projectId': 1 } }] },
  { name: HEADS },
];

/** How often a request is decided again after a revision conflict before the conflict is thrown. */
export const LEDGER_MAX_ATTEMPTS = 50;

interface WindowDoc extends RevisionedDoc, WindowUsage {
  /** The window key. */
  _id: string;
}
interface ReservationDoc extends RevisionedDoc, StoredReservation {
  _id: string;
}
interface HeadDoc extends RevisionedDoc {
  /** The project id. */
  _id: string;
  revision: number;
}

/** BudgetLedgerRepository over the DocumentStore port: one document per window, reservation and project head. */
export class StoreBudgetLedgerRepository implements BudgetLedgerRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly maxAttempts = LEDGER_MAX_ATTEMPTS,
  ) {}

  async update<R>(decide: (reads: LedgerReads) => Promise<LedgerChange<R>>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction((tx) => this.once(tx, decide));
      } catch (e) {
        if (!(e instanceof StoreRevisionConflictError) || attempt >= this.maxAttempts) throw e;
        // A concurrent request took a row first: back off a little (jittered) and decide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
  }

  private async once<R>(
    tx: StoreTransaction,
    decide: (reads: LedgerReads) => Promise<LedgerChange<R>>,
  ): Promise<R> {
    const { seen, versionOf } = readVersions('ledger');
    const reads: LedgerReads = {
      project: async (projectId): Promise<ProjectBudgetRecord | null> => {
        const doc = await tx.collection<ProjectBudgetDoc>(PROJECT_BUDGETS).get(projectId);
        return doc === null ? null : projectBudgetOf(doc);
      },
      windows: async (keys) => {
        const out: Record<string, WindowUsage> = {};
        for (const key of keys) {
          const doc = await tx.collection<WindowDoc>(WINDOWS).get(key);
          seen(WINDOWS, key, doc);
          if (doc !== null) {
            out[key] = {
              heldMicros: doc.heldMicros,
              spentMicros: doc.spentMicros,
              warned: doc.warned,
              exceeded: doc.exceeded,
            };
          }
        }
        return out;
      },
      reservation: async (reservationId) => {
        const doc = await tx.collection<ReservationDoc>(RESERVATIONS).get(reservationId);
        seen(RESERVATIONS, reservationId, doc);
        if (doc === null) return null;
        return { reservation: doc.reservation, ...(doc.model !== undefined ? { model: doc.model } : {}) };
      },
      ledgerRevision: async (projectId) => {
        const doc = await tx.collection<HeadDoc>(HEADS).get(projectId);
        seen(HEADS, projectId, doc);
        return doc?.revision ?? 0;
      },
    };
    const change = await decide(reads);
    for (const [key, usage] of Object.entries(change.windows ?? {})) {
      const doc: WindowDoc = {
        _id: key,
        heldMicros: usage.heldMicros,
        spentMicros: usage.spentMicros,
        warned: usage.warned,
        exceeded: usage.exceeded,
      };
      await replaceRevisioned(tx.collection<WindowDoc>(WINDOWS), doc, versionOf(WINDOWS, key));
    }
    if (change.reservation) {
      const id = change.reservation.reservation.reservationId;
      const doc: ReservationDoc = { _id: id, ...change.reservation };
      await replaceRevisioned(tx.collection<ReservationDoc>(RESERVATIONS), doc, versionOf(RESERVATIONS, id));
    }
    if (change.ledgerRevision) {
      const { projectId, revision } = change.ledgerRevision;
      const doc: HeadDoc = { _id: projectId, revision };
      await replaceRevisioned(tx.collection<HeadDoc>(HEADS), doc, versionOf(HEADS, projectId));
    }
    await appendToOutbox(tx, change.events, this.clock);
    return change.result;
  }
}
