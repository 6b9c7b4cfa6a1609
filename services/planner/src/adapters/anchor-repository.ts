import type { IntentionAnchor } from '@autopilot/contracts';
import type { CollectionSpec, Doc, DocumentStore, StoreTransaction } from '@autopilot/store';
import type { AnchorRepository } from '../app/ports';

/**
 * The `anchors` collection: every intention anchor a project had, so gap reports and proposals can
 * be traced to the anchor they served. An anchor's id follows its content, so recording the same
 * intention again only marks it the latest.
 */
const ANCHORS = 'anchors';

/** Declared by the service definition (index.ts); the current anchor is the newest by `recordedAt`. */
export const ANCHOR_COLLECTIONS: readonly CollectionSpec[] = [
  { name: ANCHORS, indexes: [{ fields: { projectId: 1, recordedAt: -1 } }] },
];

interface AnchorDoc extends Doc {
  /** `<projectId>/<anchorId>`: two projects with the same intention keep separate records. */
  _id: string;
  projectId: string;
  anchorId: string;
  anchor: IntentionAnchor;
  blueprintId?: string;
  blueprintVersion?: number;
  /** When it was last recorded, ms since epoch: the latest is the project's current anchor. */
  recordedAt: number;
}

export interface AnchorRecord {
  readonly projectId: string;
  readonly anchor: IntentionAnchor;
  readonly blueprintId?: string;
  readonly blueprintVersion?: number;
  /** From the Clock, ms since epoch. */
  readonly recordedAt: number;
}

/**
 * Records an anchor as its project's current one inside the caller's transaction: the plan
 * repository's, so a plan and the anchor it carries commit together.
 */
export async function recordAnchor(tx: StoreTransaction, record: AnchorRecord): Promise<void> {
  const doc: AnchorDoc = {
    _id: `${record.projectId}/${record.anchor.id}`,
    projectId: record.projectId,
    anchorId: record.anchor.id,
    anchor: record.anchor,
    recordedAt: record.recordedAt,
    ...(record.blueprintId !== undefined ? { blueprintId: record.blueprintId } : {}),
    ...(record.blueprintVersion !== undefined ? { blueprintVersion: record.blueprintVersion } : {}),
  };
  await tx.collection<AnchorDoc>(ANCHORS).upsert(doc);
}

/** AnchorRepository over the DocumentStore port. */
export class StoreAnchorRepository implements AnchorRepository {
  constructor(private readonly store: DocumentStore) {}

  async current(projectId: string): Promise<IntentionAnchor | undefined> {
    const page = await this.store
      .collection<AnchorDoc>(ANCHORS)
      .find({ projectId }, { sort: { recordedAt: -1 }, limit: 1 });
    return page.items[0]?.anchor;
  }
}
