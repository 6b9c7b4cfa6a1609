import type { IntentionAnchor } from '@autopilot/contracts';
import type { Doc, DocumentStore, StoreTransaction } from '@autopilot/store';

/**
 * The `anchors` collection: every intention anchor a project had, so gap reports and proposals can
 * be traced to the anchor they served. An anchor's id follows its content, so recording the same
 * intention again only marks it the latest.
 */
export const ANCHORS_COLLECTION = 'anchors';

export interface AnchorDoc extends Doc {
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

/** Records an anchor inside the caller's transaction (the plan's, so plan and anchor commit together). */
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
  await tx.collection<AnchorDoc>(ANCHORS_COLLECTION).upsert(doc);
}

/** The project's current anchor (the one recorded last), or undefined before any plan. */
export async function latestAnchor(
  store: DocumentStore,
  projectId: string,
): Promise<IntentionAnchor | undefined> {
  const page = await store
    .collection<AnchorDoc>(ANCHORS_COLLECTION)
    .find({ projectId }, { sort: { recordedAt: -1 }, limit: 1 });
  return page.items[0]?.anchor;
}
