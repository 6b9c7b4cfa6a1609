import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  replaceRevisioned,
  type CollectionSpec,
  type DocumentStore,
  type RevisionedDoc,
  type StoreTransaction,
} from '@autopilot/store';
import type {
  BlueprintBlocksRecord,
  BlueprintChange,
  BlueprintChunkRecord,
  BlueprintRecord,
  BlueprintRepository,
  BlueprintVersionRecord,
  IngestionJobRecord,
  SectionBatchRecord,
  StoredSection,
} from '../app/ports';
import { blocksDocId, versionDocId } from '../domain/blueprint/blueprint-identity';
import type { StoredBlocks } from '../domain/sections/stored-blocks';
import { applySectionsChange, applyTextChange } from '../domain/blueprint/stored-change';

/** The collections blueprint ingestion owns, with the indexes its reads use. */
export const blueprintCollections: readonly CollectionSpec[] = [
  { name: 'blueprints', indexes: [{ fields: { projectId: 1, name: 1 }, unique: true }] },
  {
    name: 'blueprint_versions',
    indexes: [{ fields: { blueprintId: 1, number: 1 }, unique: true }, { fields: { digest: 1 } }],
  },
  { name: 'blueprint_chunks', indexes: [{ fields: { versionId: 1, index: 1 }, unique: true }] },
  { name: 'blueprint_sections', indexes: [{ fields: { versionId: 1, batch: 1 }, unique: true }] },
  // Read by `_id` only (`<versionId>:b`).
  { name: 'blueprint_blocks' },
  {
    name: 'ingestion_jobs',
    indexes: [{ fields: { projectId: 1, state: 1 } }, { fields: { blueprintId: 1 } }],
  },
];

/** Most documents a page of the store returns (the port's cap). */
const PAGE = 1000;

/** `BlueprintRepository` over the DocumentStore port, so the embedded and MongoDB stores run the same code. */
export class StoreBlueprintRepository implements BlueprintRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  job(jobId: string): Promise<IngestionJobRecord | null> {
    return this.store.collection<IngestionJobRecord>('ingestion_jobs').get(jobId);
  }

  blueprint(blueprintId: string): Promise<BlueprintRecord | null> {
    return this.store.collection<BlueprintRecord>('blueprints').get(blueprintId);
  }

  version(blueprintId: string, number: number): Promise<BlueprintVersionRecord | null> {
    return this.store
      .collection<BlueprintVersionRecord>('blueprint_versions')
      .get(versionDocId(blueprintId, number));
  }

  /** Read whole, or as a change applied to its parent's, read the same way (StoredChange). */
  async sectionsOf(versionId: string): Promise<StoredSection[]> {
    const [record, batches] = await Promise.all([
      this.versionRecord(versionId),
      this.all<SectionBatchRecord>('blueprint_sections', versionId, 'batch'),
    ]);
    const entries = batches.flatMap((b) => b.sections);
    const change = record?.storedAsChange;
    if (!change) return entries as StoredSection[];
    const parent = await this.sectionsOf(versionDocId(record.blueprintId, change.parentVersion));
    return applySectionsChange(parent, entries, change);
  }

  /** Joined from its chunks, with its parent's text around them when stored as a change. */
  async textOf(versionId: string): Promise<string> {
    const [record, chunks] = await Promise.all([
      this.versionRecord(versionId),
      this.all<BlueprintChunkRecord>('blueprint_chunks', versionId, 'index'),
    ]);
    const own = chunks.map((c) => c.text).join('');
    const change = record?.storedAsChange;
    if (!change) return own;
    const parent = await this.textOf(versionDocId(record.blueprintId, change.parentVersion));
    return applyTextChange(parent, own, change);
  }

  async blocksOf(versionId: string): Promise<StoredBlocks | undefined> {
    const record = await this.store
      .collection<BlueprintBlocksRecord>('blueprint_blocks')
      .get(blocksDocId(versionId));
    return record?.blocks;
  }

  /**
   * A job is written in steps, each its own commit; the one that finishes it (succeeded or failed)
   * completes the handling of the command, so it also records the command in the inbox: a command
   * redelivered mid-job resumes, one redelivered after the job finished is skipped.
   */
  commit(change: BlueprintChange, events: readonly Envelope[]): Promise<IngestionJobRecord> {
    const finishes = change.job.state === 'succeeded' || change.job.state === 'failed';
    return commitWithOutbox(
      this.store,
      async (tx) => {
        if (finishes) await recordHandledMessage(tx, this.clock);
        for (const chunk of change.chunks ?? []) await tx.collection('blueprint_chunks').upsert(chunk);
        for (const batch of change.sectionBatches ?? [])
          await tx.collection('blueprint_sections').upsert(batch);
        if (change.blocks) await tx.collection('blueprint_blocks').upsert(change.blocks);
        for (const version of change.versions ?? []) await replace(tx, 'blueprint_versions', version);
        if (change.blueprint) await replace(tx, 'blueprints', change.blueprint);
        return { result: await replace(tx, 'ingestion_jobs', change.job), events };
      },
      this.clock,
    );
  }

  announce(events: readonly Envelope[]): Promise<void> {
    return commitWithOutbox(
      this.store,
      async (tx) => {
        await recordHandledMessage(tx, this.clock);
        return { result: undefined, events };
      },
      this.clock,
    );
  }

  private versionRecord(versionId: string): Promise<BlueprintVersionRecord | null> {
    return this.store.collection<BlueprintVersionRecord>('blueprint_versions').get(versionId);
  }

  private async all<T extends SectionBatchRecord | BlueprintChunkRecord>(
    collection: string,
    versionId: string,
    orderField: 'batch' | 'index',
  ): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    do {
      const page = await this.store
        .collection<T>(collection)
        .find({ versionId }, { sort: { [orderField]: 1 }, limit: PAGE, ...(after ? { after } : {}) });
      out.push(...page.items);
      after = page.next;
    } while (after);
    return out;
  }
}

/**
 * Compare-and-set on the revision the document was loaded with; returns it as stored. A document
 * an older Autopilot stored without a revision is taken over (replaceRevisioned).
 */
function replace<T extends RevisionedDoc>(tx: StoreTransaction, collection: string, doc: T): Promise<T> {
  return replaceRevisioned(tx.collection<T>(collection), doc, doc.version ?? 0);
}
