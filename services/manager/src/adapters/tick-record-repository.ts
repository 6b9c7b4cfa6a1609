import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { commitWithOutbox, type CollectionSpec, type Doc, type DocumentStore } from '@autopilot/store';
import type { TickRecordRepository } from '../app/ports';

export const TICK_COLLECTIONS: readonly CollectionSpec[] = [{ name: 'tick_state' }];

const SEQ_ID = 'seq';

interface SeqDoc extends Doc {
  seq: number;
}

/** A project's last tick decisions; `_id` is `decisions/<projectId>`. */
interface DecisionsDoc extends Doc {
  projectId: string;
  key: string;
  decisions: unknown;
  at: string;
}

const decisionsId = (projectId: string): string => `decisions/${projectId}`;

/** TickRecordRepository over the DocumentStore port (`tick_state`). */
export class StoreTickRecordRepository implements TickRecordRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async lastDecisions(projectId: string): Promise<string | undefined> {
    const doc = await this.store.collection<DecisionsDoc>('tick_state').get(decisionsId(projectId));
    return doc?.key;
  }

  record(
    decisions: readonly { projectId: string; key: string; decisions: unknown }[],
    ticked: ((seq: number) => readonly Envelope[]) | undefined,
  ): Promise<number | undefined> {
    // A tick that changed nothing has nothing to record: no transaction for it.
    if (decisions.length === 0 && !ticked) return Promise.resolve(undefined);
    return commitWithOutbox(
      this.store,
      async (tx) => {
        const docs = tx.collection<Doc>('tick_state');
        const at = this.clock.isoNow();
        for (const d of decisions) {
          const doc: DecisionsDoc = { _id: decisionsId(d.projectId), ...d, at };
          await docs.upsert(doc);
        }
        if (!ticked) return { result: undefined, events: [] };
        const stored = (await docs.get(SEQ_ID)) as SeqDoc | null;
        const seq = (stored?.seq ?? 0) + 1;
        const next: SeqDoc = { _id: SEQ_ID, seq };
        await docs.upsert(next);
        return { result: seq, events: ticked(seq) };
      },
      this.clock,
    );
  }
}
