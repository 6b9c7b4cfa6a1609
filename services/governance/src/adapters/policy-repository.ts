import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  replaceRevisioned,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
} from '@autopilot/store';
import type { PolicyRecord, PolicyRepository } from '../app/ports';

const POLICIES = 'policies';

/** The collection policy inputs live in, declared by the service definition (index.ts). */
export const POLICY_COLLECTIONS: readonly CollectionSpec[] = [{ name: POLICIES }];

interface PolicyDoc extends RevisionedDoc {
  /** The project id. */
  _id: string;
  project?: PolicyRecord['project'];
  scan?: PolicyRecord['scan'];
}

/** PolicyRepository over the DocumentStore port: one document per project. */
export class StorePolicyRepository implements PolicyRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async get(projectId: string): Promise<PolicyRecord | null> {
    const doc = await this.store.collection<PolicyDoc>(POLICIES).get(projectId);
    if (doc === null) return null;
    return {
      projectId: doc._id,
      ...(doc.project ? { project: doc.project } : {}),
      ...(doc.scan ? { scan: doc.scan } : {}),
      ...(typeof doc.version === 'number' ? { version: doc.version } : {}),
    };
  }

  commit(next: PolicyRecord, expectedVersion: number): Promise<void> {
    const doc: PolicyDoc = {
      _id: next.projectId,
      ...(next.project ? { project: next.project } : {}),
      ...(next.scan ? { scan: next.scan } : {}),
    };
    return this.store.transaction(async (tx) => {
      await recordHandledMessage(tx, this.clock);
      await replaceRevisioned(tx.collection<PolicyDoc>(POLICIES), doc, expectedVersion);
    });
  }
}
