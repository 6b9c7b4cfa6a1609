import type { Envelope, IntentionAnchor, PlanRejectedV1 } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { recordHandledMessage } from '@autopilot/runtime';
import {
  commitWithOutbox,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type StoreTransaction,
} from '@autopilot/store';
import { recordAnchor } from './anchor-repository';
import { recordRepoView } from './repo-view-repository';
import type { PlanRepository, StoredPlan, StoredPlanHead, StoredPlanNode, StoredTask } from '../app/ports';
import type { RepoView } from '../domain/repo-check/repo-view';

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
  taskOrder?: readonly string[];
  repoCommit?: string;
  version?: number;
}

/** What one plan commit writes: the head, nodes and tasks. */
interface PlanWrite {
  head: StoredPlanHead;
  nodes: readonly StoredPlanNode[];
  tasks: readonly StoredTask[];
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
 * Upserts each bucket whose members changed and deletes the buckets that emptied. Members are
 * compared as the JSON they are stored as (`sameJson`), without serialising either side: a plan's
 * buckets are ~30 MB of JSON for a 500k-word blueprint, and a re-plan changes a few of them.
 */
async function writeBuckets<T>(
  next: ReadonlyMap<number, T[]>,
  previous: ReadonlyMap<number, T[]>,
  upsert: (bucket: number, members: T[]) => Promise<void>,
  remove: (bucket: number) => Promise<unknown>,
): Promise<void> {
  for (let b = 0; b < BUCKETS; b++) {
    const members = next.get(b);
    const before = previous.get(b);
    if (members && before && sameJson(members, before)) continue;
    if (members) await upsert(b, members);
    else if (before) await remove(b);
  }
}

/**
 * True when `a` and `b` serialise to equal JSON, up to key order: plain data (what a bucket holds,
 * as built or as read back), where an `undefined` property is the same as a missing one.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    defined += 1;
    if (!sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) defined -= 1;
  return defined === 0;
}

/**
 * The plan this repository committed last, as committed. A revision is written once
 * (compare-and-set from the one before), so a stored head at the same revision is this plan:
 * loading it again reads the head alone. Re-planning a 500k-word blueprint spent ~0.5-1 s reading
 * the plan it had just written back from the store.
 */
interface CommittedPlan {
  readonly planId: string;
  readonly revision: number;
  readonly plan: StoredPlan;
}

/**
 * PlanRepository over the DocumentStore port: a head document per plan, its nodes and tasks in
 * bucket documents (see BUCKETS), and rejections by blueprint version. A commit writes only buckets whose
 * content changed: re-planning a 500k-word blueprint after a one-section edit rewrites a few
 * documents, not the plan.
 */
export class StorePlanRepository implements PlanRepository {
  /** One plan, the last committed (see CommittedPlan); its objects are never mutated. */
  private committed: CommittedPlan | undefined;

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async load(planId: string): Promise<StoredPlan | null> {
    const head = await this.store.collection<PlanHeadDoc>('plans').get(planId);
    if (!head) return null;
    const last = this.committed;
    if (last?.planId === planId && last.revision === head.revision) return last.plan;
    return this.loadWithHead(head);
  }

  async loadProject(projectId: string): Promise<StoredPlan[]> {
    const plans: StoredPlan[] = [];
    let after: string | undefined;
    // Page by id: a project has a plan per blueprint, seldom more than a few.
    for (;;) {
      const page = await this.store
        .collection<PlanHeadDoc>('plans')
        .find(after === undefined ? { projectId } : { projectId, _id: { $gt: after } }, {
          sort: { _id: 1 },
          limit: 50,
        });
      for (const head of page.items) plans.push(await this.loadWithHead(head));
      if (page.items.length < 50) return plans;
      after = page.items[page.items.length - 1]!._id;
    }
  }

  private async loadWithHead(head: PlanHeadDoc): Promise<StoredPlan> {
    const planId = head._id;
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
        ...(head.taskOrder !== undefined ? { taskOrder: head.taskOrder } : {}),
        ...(head.repoCommit !== undefined ? { repoCommit: head.repoCommit } : {}),
      },
      nodes,
      tasks,
    };
  }

  async commit(next: PlanWrite, previous: StoredPlan | null, events: readonly Envelope[]): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        // Each planning commits once (a plan, an announcement or a rejection): that commit records
        // the blueprint.ingested being handled in the inbox.
        await recordHandledMessage(tx, this.clock);
        await this.writePlan(tx, next, previous);
        return { result: undefined, events };
      },
      this.clock,
    );
    this.remember(next);
  }

  async commitRepoCheck(
    projectId: string,
    view: RepoView,
    revised: readonly { readonly next: PlanWrite; readonly previous: StoredPlan }[],
    events: readonly Envelope[],
  ): Promise<void> {
    await commitWithOutbox(
      this.store,
      async (tx) => {
        // One commit per repo.scanned: the view, every revised plan and the announcements.
        await recordHandledMessage(tx, this.clock);
        await recordRepoView(tx, projectId, view);
        for (const { next, previous } of revised) await this.writePlan(tx, next, previous);
        return { result: undefined, events };
      },
      this.clock,
    );
    // Several plans may have changed: none is remembered (the next load reads the store).
    this.committed = undefined;
  }

  /** Remembers a plan just committed (see CommittedPlan). */
  private remember(next: PlanWrite): void {
    const nodes = new Map<string, StoredPlanNode>();
    for (const n of next.nodes) nodes.set(n.node.id, n);
    const tasks = new Map<string, StoredTask>();
    for (const t of next.tasks) tasks.set(t.task.id, t);
    this.committed = {
      planId: next.head.planId,
      revision: next.head.revision,
      plan: { head: next.head, nodes, tasks },
    };
  }

  /** Writes `next` over `previous` in `tx`: the head by compare-and-set, then changed buckets only. */
  private async writePlan(tx: StoreTransaction, next: PlanWrite, previous: StoredPlan | null): Promise<void> {
    const planId = next.head.planId;
    const { planId: _, ...head } = next.head;
    // The plan revision doubles as the head's store version: a concurrent planner that loaded
    // the same revision loses here, and its whole transaction (nodes, tasks, events) with it.
    await tx
      .collection<PlanHeadDoc>('plans')
      .replaceIfVersion({ _id: planId, ...head }, previous?.head.revision ?? 0);
    const nodeDocs = tx.collection<PlanNodesDoc>('plan_nodes');
    await writeBuckets(
      bucketed(next.nodes, (n) => n.node.id),
      bucketed([...(previous?.nodes.values() ?? [])], (n) => n.node.id),
      (b, nodes) => nodeDocs.upsert({ _id: bucketId(planId, 'nodes', b), planId, bucket: b, nodes }),
      (b) => nodeDocs.delete(bucketId(planId, 'nodes', b)),
    );
    const taskDocs = tx.collection<TaskSpecsDoc>('task_specs');
    await writeBuckets(
      bucketed(next.tasks, (t) => t.task.id),
      bucketed([...(previous?.tasks.values() ?? [])], (t) => t.task.id),
      (b, tasks) => taskDocs.upsert({ _id: bucketId(planId, 'tasks', b), planId, bucket: b, tasks }),
      (b) => taskDocs.delete(bucketId(planId, 'tasks', b)),
    );

    // The anchor the plan carries becomes the project's current one (gap reports and proposals
    // are checked against it), committed with the plan.
    await recordAnchor(tx, {
      projectId: head.projectId,
      anchor: head.anchor,
      blueprintId: head.blueprintId,
      blueprintVersion: head.blueprintVersion,
      recordedAt: this.clock.now(),
    });
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
