import type { Actor, AutonomyMode, Envelope, GovernedAction, Toolchain } from '@autopilot/contracts';
import type { ApprovalState } from '../domain/approval/approval';
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

/** What governance knows of a project's policy inputs: the project (mode, branch) and its last scan. */
export interface PolicyRecord {
  readonly projectId: string;
  /** From the last `project.updated` taken; absent until one arrives (evaluations are then denied). */
  readonly project?: {
    readonly revision: number;
    readonly autonomyMode: AutonomyMode;
    readonly defaultBranch: string;
    readonly repoLocation: string;
  };
  /** From the newest `repo.scanned` of the project; absent until one arrives (no command allowlisted). */
  readonly scan?: {
    readonly scannedAt: string;
    readonly commit: string;
    readonly repoLocation: string;
    readonly toolchains: readonly Toolchain[];
  };
  /** Store revision (compare-and-set); absent before the first commit. */
  readonly version?: number;
}

/** Policy inputs per project (`policies`), kept from `project.updated` and `repo.scanned`. */
export interface PolicyRepository {
  get(projectId: string): Promise<PolicyRecord | null>;
  /**
   * Stores `next` by compare-and-set on `expectedVersion` (0: new) and records the message being
   * handled, in one transaction. Rejects with StoreRevisionConflictError when it changed meanwhile.
   */
  commit(next: PolicyRecord, expectedVersion: number): Promise<void>;
}
export const PolicyRepository = Symbol('PolicyRepository');

/** One line of the append-only audit log: an evaluation, a decision, an expiry or a reminder. */
export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly kind: 'evaluation' | 'decision' | 'expiry' | 'reminder' | 'withdrawal';
  readonly projectId: string;
  readonly runId?: string;
  readonly taskId?: string;
  readonly stepSeq?: number;
  readonly action?: GovernedAction;
  readonly actionHash?: string;
  /** evaluation: allow / deny / needs_approval; decision: approved / rejected; expiry: expired. */
  readonly outcome: string;
  /** decision: `applied`, `repeated` (the same decision again, a no-op) or `refused`. */
  readonly effect?: 'applied' | 'repeated' | 'refused';
  readonly reasons: readonly string[];
  readonly ruleIds: readonly string[];
  readonly approvalId?: string;
  readonly actor?: Actor;
}

/** The approval rows one request may read inside its transaction. */
export interface ApprovalReads {
  approval(approvalId: string): Promise<ApprovalState | null>;
  /** The newest approval opened for this exact action of this task (by action hash), or null. */
  latestFor(key: ApprovalKey): Promise<ApprovalState | null>;
}

/** What an approval is looked up by: the same action hash in the same task of the same project. */
export interface ApprovalKey {
  readonly projectId: string;
  readonly taskId: string;
  readonly actionHash: string;
}

/** What one request changes: approvals (each read first), audit entries and events, in one transaction. */
export interface ApprovalChange<R> {
  readonly result: R;
  /** New or changed approvals; `key` makes a new one the latest for its action. */
  readonly approvals?: readonly { readonly state: ApprovalState; readonly key?: ApprovalKey }[];
  readonly audit: readonly AuditEntry[];
  readonly events: readonly Envelope[];
  /** Record the message being handled in the inbox (commands), in the same transaction. */
  readonly recordHandled?: boolean;
}

/**
 * Approvals (`approvals`, `approval_keys`) and the audit log (`audit_log`, insert only). `update`
 * reads and writes in ONE transaction, every approval write a compare-and-set on the revision read,
 * with the audit entries and the events in the outbox; on a conflict it decides again on fresh rows.
 */
export interface ApprovalRepository {
  update<R>(decide: (reads: ApprovalReads) => Promise<ApprovalChange<R>>): Promise<R>;
  /** Pending approvals whose expiry or reminder is due at `now` (ISO), oldest first, at most `limit`. */
  due(now: string, limit: number): Promise<ApprovalState[]>;
  /**
   * The approved `budget_extension` approvals of a run ("continue with $X more"): its cap is the
   * project's run cap plus their sum. Read outside the ledger's transaction on purpose: an approval
   * once approved never changes, so a reservation that misses one just made is refused and retried.
   */
  approvedBudgetExtensions(projectId: string, runId: string): Promise<ApprovalState[]>;
  /** Appends audit entries alone (a refused decision changes nothing else). */
  appendAudit(entries: readonly AuditEntry[]): Promise<void>;
}
export const ApprovalRepository = Symbol('ApprovalRepository');

/** Governance's log lines (warnings a person reads) outside a handler's own logging. */
export interface GovernanceLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
export const GovernanceLog = Symbol('GovernanceLog');
