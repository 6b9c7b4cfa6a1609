import type { Envelope, IntentionAnchor, PlanRejectedV1 } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import { commitWithOutbox, type CollectionSpec, type Doc, type DocumentStore } from '@autopilot/store';
import { recordAnchor } from './anchor-repository';
import type { PlanRepository, StoredPlan, StoredPlanHead, StoredPlanNode, StoredTask } from '../app/ports';

/** The planner's plan collections, declared by the service definition (index.ts). */
export const PLAN_COLLECTIONS: readonly CollectionSpec[] = [
  { name: 'plans', indexes: [{ fields: { projectId: 1 } }] },
  // No secondary index: a plan's bucket documents have known ids (see bucketIds), and an index on a
  // field of 100 KB documents makes SQLite re-read each whole document on every write.
  { name: 'plan_nodes' },
  { name: 'task_specs' },
  { name: 'plan_rejections', indexes: [{ fields: { projectId: 1 } }] },
];

/**
 * Nodes and tasks are stored in BUCKETS documents per plan, by a hash of their id. One document per
 * node measured ~1.3 s to write and ~2.7 s to read back for a 26k-section blueprint (52k rows), a
 * third of the whole ingest-and-plan budget; 2 x 128 documents take a fraction of that. A bucket
 * holds its members sorted by id, so an edit rewrites only the buckets of the nodes it changed.
 */
export const BUCKETS = 128;

/** The plan head; its store `version` is the plan revision (compare-and-set on every commit). */
interface PlanHeadDoc extends Doc {
  projectId: string;
  blueprintId: string;
  blueprintVersion: number;
  blueprintDigest: string;
  revision: number;
  generatedAt: string;
  anchor: IntentionAnchor;
  nodeCount: number;
  taskCount: number;
  version?: number;
}

interface PlanNodesDoc extends Doc {
  planId: string;
  bucket: number;
  nodes: StoredPlanNode[];
}

/** Why a blueprint version could not be planned; `_id` = `<blueprintId>:v<version>`. */
interface PlanRejectionDoc extends Doc {
  projectId: string;
  rejection: PlanRejectedV1;
}

interface TaskSpecsDoc extends Doc {
  planId: string;
  bucket: number;
  tasks: StoredTask[];
}

type BucketKind = 'nodes' | 'tasks';

function bucketId(planId: string, kind: BucketKind, bucket: number): string {
  return `${planId}/${kind}/${bucket}`;
}

function bucketOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % BUCKETS;
}

/** Members grouped by bucket, each bucket sorted by id: the same members give the same JSON. */
function bucketed<T>(items: readonly T[], idOf: (item: T) => string): Map<number, T[]> {
  const buckets = new Map<number, T[]>();
  for (const item of items) {
    const b = bucketOf(idOf(item));
    const list = buckets.get(b);
    if (list) list.push(item);
    else buckets.set(b, [item]);
  }
  for (const list of buckets.values())
    list.sort((x, y) => (idOf(x) < idOf(y) ? -1 : idOf(x) > idOf(y) ? 1 : 0));
  return buckets;
}

/**
 * PlanRepository over the DocumentStore port: a head document per plan, its nodes and tasks in
 * bucket documents (see BUCKETS), and rejections by blueprint version. A commit writes only buckets whose
 * content changed: re-planning a 500k-word blueprint after a one-section edit rewrites a few
 * documents, not the plan.
 */
export class StorePlanRepository implements PlanRepository {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async load(planId: string): Promise<StoredPlan | null> {
    const head = await this.store.collection<PlanHeadDoc>('plans').get(planId);
    if (!head) return null;
    const nodes = new Map<string, StoredPlanNode>();
    for (const doc of await this.buckets<PlanNodesDoc>('plan_nodes', planId, 'nodes')) {
      for (const n of doc.nodes) nodes.set(n.node.id, n);
    }
    const tasks = new Map<string, StoredTask>();
    for (const doc of await this.buckets<TaskSpecsDoc>('task_specs', planId, 'tasks')) {
      for (const t of doc.tasks) tasks.set(t.task.id, t);
    }
    return {
      head: {
        planId: head._id,
        projectId: head.projectId,
        blueprintId: head.blueprintId,
        blueprintVersion: head.blueprintVersion,
        blueprintDigest: head.blueprintDigest,
        revision: head.revision,
        generatedAt: head.generatedAt,
        anchor: head.anchor,
        nodeCount: head.nodeCount,
        taskCount: head.taskCount,
      },
      nodes,
      tasks,
    };
  }

  async commit(
    next: { head: StoredPlanHead; nodes: readonly StoredPlanNode[]; tasks: readonly StoredTask[] },
    previous: StoredPlan | null,
    events: readonly Envelope[],
  ): Promise<void> {
    const planId = next.head.planId;
    const nodeId = (n: StoredPlanNode) => n.node.id;
    const taskId = (t: StoredTask) => t.task.id;
    const nodeBuckets = bucketed(next.nodes, nodeId);
    const previousNodeBuckets = bucketed([...(previous?.nodes.values() ?? [])], nodeId);
    const taskBuckets = bucketed(next.tasks, taskId);
    const previousTaskBuckets = bucketed([...(previous?.tasks.values() ?? [])], taskId);
    await commitWithOutbox(
      this.store,
      async (tx) => {
        // Each planning commits once (a plan, an announcement or a rejection): that commit records
        // the blueprint.ingested being handled in the inbox.
        await recordHandledMessage(tx, this.clock);
        const { planId: _, ...head } = next.head;
        // The plan revision doubles as the head's store version: a concurrent planner that loaded
        // the same revision loses here, and its whole transaction (nodes, tasks, events) with it.
        await tx
          .collection<PlanHeadDoc>('plans')
          .replaceIfVersion({ _id: planId, ...head }, previous?.head.revision ?? 0);

        const nodeDocs = tx.collection<PlanNodesDoc>('plan_nodes');
        for (let b = 0; b < BUCKETS; b++) {
          const members = nodeBuckets.get(b);
          const before = previousNodeBuckets.get(b);
          if (members && before && JSON.stringify(members) === JSON.stringify(before)) continue;
          if (members)
            await nodeDocs.upsert({ _id: bucketId(planId, 'nodes', b), planId, bucket: b, nodes: members });
          else if (before) await nodeDocs.delete(bucketId(planId, 'nodes', b));
        }
        const taskDocs = tx.collection<TaskSpecsDoc>('task_specs');
        for (let b = 0; b < BUCKETS; b++) {
          const members = taskBuckets.get(b);
          const before = previousTaskBuckets.get(b);
          if (members && before && JSON.stringify(members) === JSON.stringify(before)) continue;
          if (members)
            await taskDocs.upsert({ _id: bucketId(planId, 'tasks', b), planId, bucket: b, tasks: members });
          else if (before) await taskDocs.delete(bucketId(planId, 'tasks', b));
        }

        // The anchor the plan carries becomes the project's current one (gap reports and proposals
        // are checked against it), committed with the plan.
        await recordAnchor(tx, {
          projectId: head.projectId,
          anchor: head.anchor,
          blueprintId: head.blueprintId,
          blueprintVersion: head.blueprintVersion,
          recordedAt: this.clock.now(),
        });
        return { result: undefined, events };
      },
      this.clock,
    );
  }

  async announce(events: readonly Envelope[]): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        await recordHandledMessage(tx, this.clock);
        return { result: undefined, events };
      },
      this.clock,
    );
  }

  async commitRejection(rejection: PlanRejectedV1, events: readonly Envelope[]): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        await recordHandledMessage(tx, this.clock);
        await tx.collection<PlanRejectionDoc>('plan_rejections').upsert({
          _id: `${rejection.blueprintId}:v${rejection.blueprintVersion}`,
          projectId: rejection.projectId,
          rejection,
        });
        return { result: undefined, events };
      },
      this.clock,
    );
  }

  /** The plan's bucket documents of one kind, fetched by id (they have known ids), in bucket order. */
  private async buckets<T extends Doc>(collection: string, planId: string, kind: BucketKind): Promise<T[]> {
    const ids = Array.from({ length: BUCKETS }, (_, b) => bucketId(planId, kind, b));
    const page = await this.store
      .collection<T>(collection)
      .find({ _id: { $in: ids } }, { sort: { _id: 1 }, limit: BUCKETS });
    return page.items;
  }
}
