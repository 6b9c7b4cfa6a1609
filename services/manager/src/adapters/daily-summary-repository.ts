import type { Envelope, ProjectDaySummarizedV1, Run } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import {
  commitWithOutbox,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type RevisionedDoc,
  findAll,
} from '@autopilot/store';
import type { DailySummaryRepository } from '../app/ports';

export const DAILY_SUMMARY_COLLECTIONS: readonly CollectionSpec[] = [{ name: 'daily_summaries' }];

/** A day's summary; `_id` is `day/<projectId>/<date>`. */
interface SummaryDoc extends Doc {
  projectId: string;
  summary: ProjectDaySummarizedV1;
}

/** The first date of the project not summarized yet; `_id` is `cursor/<projectId>`. */
interface CursorDoc extends RevisionedDoc {
  projectId: string;
  next: string;
}

/** The fields of the task graph's run documents this repository reads (`runs`). */
interface RunDocShape extends Doc {
  run: Run;
}

const dayId = (projectId: string, date: string): string => `day/${projectId}/${date}`;
const cursorId = (projectId: string): string => `cursor/${projectId}`;

/** DailySummaryRepository over the DocumentStore port. */
export class StoreDailySummaryRepository implements DailySummaryRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async cursor(projectId: string): Promise<{ next: string; version: number } | undefined> {
    const doc = (await this.store
      .collection<Doc>('daily_summaries')
      .get(cursorId(projectId))) as CursorDoc | null;
    return doc ? { next: doc.next, version: doc.version ?? 0 } : undefined;
  }

  async advance(
    projectId: string,
    summary: ProjectDaySummarizedV1 | undefined,
    next: string,
    expectedVersion: number,
    events: readonly Envelope[],
  ): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        const docs = tx.collection<Doc>('daily_summaries');
        const cursor: CursorDoc = { _id: cursorId(projectId), projectId, next };
        await docs.replaceIfVersion(cursor, expectedVersion);
        if (summary) {
          const doc: SummaryDoc = { _id: dayId(projectId, summary.date), projectId, summary };
          await docs.upsert(doc);
        }
        return { result: undefined, events };
      },
      this.clock,
    );
  }

  async get(projectId: string, date: string): Promise<ProjectDaySummarizedV1 | null> {
    const doc = (await this.store
      .collection<Doc>('daily_summaries')
      .get(dayId(projectId, date))) as SummaryDoc | null;
    return doc?.summary ?? null;
  }

  async runsEndedBetween(projectId: string, from: string, to: string): Promise<Run[]> {
    // The task graph's runs carry `endedAt` (indexed with projectId) once they end.
    const docs = await findAll(this.store.collection<RunDocShape>('runs'), {
      projectId,
      endedAt: { $gte: from, $lt: to },
    });
    return docs.map((d) => d.run);
  }
}
