import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  appendToOutbox,
  replaceRevisioned,
  StoreRevisionConflictError,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type RevisionedDoc,
  type StoreTransaction,
} from '@autopilot/store';
import { readVersions } from './read-versions';
import type {
  ApprovalChange,
  ApprovalKey,
  ApprovalReads,
  ApprovalRepository,
  AuditEntry,
} from '../app/ports';
import type { ApprovalState } from '../domain/approval/approval';

const APPROVALS = 'approvals';
const KEYS = 'approval_keys';
/** Append-only: this adapter only ever inserts into it. */
export const AUDIT_LOG = 'audit_log';

/** The approvals' and the audit log's collections, declared by the service definition (index.ts). */
export const APPROVAL_COLLECTIONS: readonly CollectionSpec[] = [
  { name: APPROVALS, indexes: [{ fields: { nextDueAt: 1 } }, { fields: { runId: 1 } }] },
  { name: KEYS },
  { name: AUDIT_LOG, indexes: [{ fields: { projectId: 1, at: 1 } }] },
];

/** How often a request is decided again after a revision conflict before the conflict is thrown. */
const MAX_ATTEMPTS = 20;

interface ApprovalDoc extends RevisionedDoc {
  _id: string;
  approval: ApprovalState;
  /** Pending only: the earlier of its unsent reminder and its expiry (ISO, UTC), for the sweep. */
  nextDueAt?: string;
  /** The run that waits, lifted out of `approval` so a run's approvals are an indexed lookup. */
  runId?: string;
}
interface KeyDoc extends RevisionedDoc {
  /** JSON of [projectId, taskId, actionHash]. */
  _id: string;
  approvalId: string;
}
type AuditDoc = Doc & Omit<AuditEntry, 'id'>;

const keyId = (key: ApprovalKey): string => JSON.stringify([key.projectId, key.taskId, key.actionHash]);

function nextDueAt(state: ApprovalState): string | undefined {
  if (state.status !== 'pending') return undefined;
  const times = [state.remindedAt === undefined ? state.remindAt : undefined, state.expiresAt].filter(
    (t): t is string => t !== undefined,
  );
  return times.sort()[0];
}

function auditDoc(entry: AuditEntry): AuditDoc {
  const { id, ...rest } = entry;
  return { _id: id, ...rest } as AuditDoc;
}

/** ApprovalRepository over the DocumentStore port. */
export class StoreApprovalRepository implements ApprovalRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async update<R>(decide: (reads: ApprovalReads) => Promise<ApprovalChange<R>>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction((tx) => this.once(tx, decide));
      } catch (e) {
        if (!(e instanceof StoreRevisionConflictError) || attempt >= MAX_ATTEMPTS) throw e;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
  }

  async due(now: string, limit: number): Promise<ApprovalState[]> {
    const page = await this.store
      .collection<ApprovalDoc>(APPROVALS)
      .find({ nextDueAt: { $lte: now } }, { sort: { nextDueAt: 1 }, limit });
    return page.items.map((d) => d.approval);
  }

  async approvedBudgetExtensions(projectId: string, runId: string): Promise<ApprovalState[]> {
    const page = await this.store.collection<ApprovalDoc>(APPROVALS).find({ runId });
    return page.items
      .map((d) => d.approval)
      .filter(
        (a) => a.projectId === projectId && a.status === 'approved' && a.action.kind === 'budget_extension',
      );
  }

  async appendAudit(entries: readonly AuditEntry[]): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const entry of entries) await tx.collection<AuditDoc>(AUDIT_LOG).insert(auditDoc(entry));
    });
  }

  private async once<R>(
    tx: StoreTransaction,
    decide: (reads: ApprovalReads) => Promise<ApprovalChange<R>>,
  ): Promise<R> {
    const { seen, versionOf } = readVersions('approval');
    const approval = async (approvalId: string): Promise<ApprovalState | null> => {
      const doc = await tx.collection<ApprovalDoc>(APPROVALS).get(approvalId);
      seen(APPROVALS, approvalId, doc);
      return doc?.approval ?? null;
    };
    const reads: ApprovalReads = {
      approval,
      latestFor: async (key) => {
        const doc = await tx.collection<KeyDoc>(KEYS).get(keyId(key));
        seen(KEYS, keyId(key), doc);
        return doc === null ? null : approval(doc.approvalId);
      },
    };
    const change = await decide(reads);
    if (change.recordHandled) await recordHandledMessage(tx, this.clock);
    for (const { state, key } of change.approvals ?? []) {
      const due = nextDueAt(state);
      const doc: ApprovalDoc = {
        _id: state.id,
        approval: state,
        ...(due !== undefined ? { nextDueAt: due } : {}),
        ...(state.runId !== undefined ? { runId: state.runId } : {}),
      };
      const expected = key !== undefined ? 0 : versionOf(APPROVALS, state.id);
      await replaceRevisioned(tx.collection<ApprovalDoc>(APPROVALS), doc, expected);
      if (key !== undefined) {
        const id = keyId(key);
        await replaceRevisioned(
          tx.collection<KeyDoc>(KEYS),
          { _id: id, approvalId: state.id },
          versionOf(KEYS, id),
        );
      }
    }
    for (const entry of change.audit) await tx.collection<AuditDoc>(AUDIT_LOG).insert(auditDoc(entry));
    await appendToOutbox(tx, change.events, this.clock);
    return change.result;
  }
}
