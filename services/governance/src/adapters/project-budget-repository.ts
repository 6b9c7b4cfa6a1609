import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  replaceRevisioned,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
} from '@autopilot/store';
import type { ProjectBudgetRecord, ProjectBudgetRepository } from '../app/ports';

export const PROJECT_BUDGETS = 'project_budgets';

/** The collection project budgets live in, declared by the service definition (index.ts). */
export const PROJECT_BUDGET_COLLECTIONS: readonly CollectionSpec[] = [{ name: PROJECT_BUDGETS }];

export interface ProjectBudgetDoc extends RevisionedDoc {
  /** The project id. */
  _id: string;
  projectRevision: number;
  caps: ProjectBudgetRecord['caps'];
  timeZone: string;
}

export function projectBudgetOf(doc: ProjectBudgetDoc): ProjectBudgetRecord {
  return {
    projectId: doc._id,
    projectRevision: doc.projectRevision,
    caps: doc.caps,
    timeZone: doc.timeZone,
    ...(typeof doc.version === 'number' ? { version: doc.version } : {}),
  };
}

/** ProjectBudgetRepository over the DocumentStore port: one document per project. */
export class StoreProjectBudgetRepository implements ProjectBudgetRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async get(projectId: string): Promise<ProjectBudgetRecord | null> {
    const doc = await this.store.collection<ProjectBudgetDoc>(PROJECT_BUDGETS).get(projectId);
    return doc === null ? null : projectBudgetOf(doc);
  }

  commit(next: ProjectBudgetRecord, expectedVersion: number, events: readonly Envelope[]): Promise<void> {
    const doc: ProjectBudgetDoc = {
      _id: next.projectId,
      projectRevision: next.projectRevision,
      caps: next.caps,
      timeZone: next.timeZone,
    };
    return commitWithOutbox(
      this.store,
      async (tx) => {
        await recordHandledMessage(tx, this.clock);
        await replaceRevisioned(tx.collection<ProjectBudgetDoc>(PROJECT_BUDGETS), doc, expectedVersion);
        return { result: undefined, events };
      },
      this.clock,
    );
  }
}
