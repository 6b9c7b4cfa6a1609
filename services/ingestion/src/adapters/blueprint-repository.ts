import type { CollectionSpec } from '@autopilot/store';
import type {
  BlueprintChunkRecord,
  BlueprintRecord,
  BlueprintRepository,
  BlueprintVersionRecord,
  Collections,
  IngestionJobRecord,
  SectionBatchRecord,
  StoredSection,
} from '../app/ports';

/** The collections blueprint ingestion owns, with the indexes its reads use. */
export const blueprintCollections: readonly CollectionSpec[] = [
  { name: 'blueprints', indexes: [{ fields: { projectId: 1, name: 1 }, unique: true }] },
  {
    name: 'blueprint_versions',
    indexes: [{ fields: { blueprintId: 1, number: 1 }, unique: true }, { fields: { digest: 1 } }],
  },
  { name: 'blueprint_chunks', indexes: [{ fields: { versionId: 1, index: 1 }, unique: true }] },
  { name: 'blueprint_sections', indexes: [{ fields: { versionId: 1, batch: 1 }, unique: true }] },
  {
    name: 'ingestion_jobs',
    indexes: [{ fields: { projectId: 1, state: 1 } }, { fields: { blueprintId: 1 } }],
  },
];

/** Most documents a page of the store returns (the port's cap). */
const PAGE = 1000;

/** `BlueprintRepository` over the DocumentStore port, so the embedded and MongoDB stores run the same code. */
export class DocumentBlueprintRepository implements BlueprintRepository {
  getJob(db: Collections, jobId: string): Promise<IngestionJobRecord | null> {
    return db.collection<IngestionJobRecord>('ingestion_jobs').get(jobId);
  }

  putJob(db: Collections, job: IngestionJobRecord): Promise<void> {
    return db.collection<IngestionJobRecord>('ingestion_jobs').upsert(job);
  }

  getBlueprint(db: Collections, blueprintId: string): Promise<BlueprintRecord | null> {
    return db.collection<BlueprintRecord>('blueprints').get(blueprintId);
  }

  putBlueprint(db: Collections, blueprint: BlueprintRecord): Promise<void> {
    return db.collection<BlueprintRecord>('blueprints').upsert(blueprint);
  }

  getVersion(db: Collections, blueprintId: string, version: number): Promise<BlueprintVersionRecord | null> {
    return db.collection<BlueprintVersionRecord>('blueprint_versions').get(`${blueprintId}:v${version}`);
  }

  putVersion(db: Collections, version: BlueprintVersionRecord): Promise<void> {
    return db.collection<BlueprintVersionRecord>('blueprint_versions').upsert(version);
  }

  putChunk(db: Collections, chunk: BlueprintChunkRecord): Promise<void> {
    return db.collection<BlueprintChunkRecord>('blueprint_chunks').upsert(chunk);
  }

  putSectionBatch(db: Collections, batch: SectionBatchRecord): Promise<void> {
    return db.collection<SectionBatchRecord>('blueprint_sections').upsert(batch);
  }

  async sectionsOf(db: Collections, versionId: string): Promise<StoredSection[]> {
    const batches = await this.all<SectionBatchRecord>(db, 'blueprint_sections', versionId, 'batch');
    return batches.flatMap((b) => b.sections);
  }

  async textOf(db: Collections, versionId: string): Promise<string> {
    const chunks = await this.all<BlueprintChunkRecord>(db, 'blueprint_chunks', versionId, 'index');
    return chunks.map((c) => c.text).join('');
  }

  private async all<T extends SectionBatchRecord | BlueprintChunkRecord>(
    db: Collections,
    collection: string,
    versionId: string,
    orderField: 'batch' | 'index',
  ): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    do {
      const page = await db
        .collection<T>(collection)
        .find({ versionId }, { sort: { [orderField]: 1 }, limit: PAGE, ...(after ? { after } : {}) });
      out.push(...page.items);
      after = page.next;
    } while (after);
    return out;
  }
}
