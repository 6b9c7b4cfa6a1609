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
import {
  BUCKETS,
  bucketsLayout,
  EMPTY_LAYOUT,
  NODE_MEMBERS,
  TASK_MEMBERS,
  uniqueIds,
  type BucketsLayout,
  type MemberKind,
} from './plan-layout';
import { ListedById } from './listed-by-id';
import {
  blankNodePositions,
  blankTaskPositions,
  PositionsReader,
  samePositions,
  sameStoredNode,
  sameStoredTask,
  type PlanPositionsDoc,
} from './plan-positions';
import { recordRepoView } from './repo-view-repository';
import type { PlanCommit, PlanRepository, StoredPlan, StoredPlanNode, StoredTask } from '../app/ports';
import type { RepoView } from '../domain/repo-check/repo-view';

/** The planner's plan collections, declared by the service definition (index.ts). */
export const PLAN_COLLECTIONS: readonly CollectionSpec[] = [
  { name: 'plans', indexes: [{ fields: { projectId: 1 } }] },
  // No secondary index: a plan's bucket documents have known ids (see bucketId), and an index on a
  // field of 100 KB documents makes SQLite re-read each whole document on every write.
  { name: 'plan_nodes' },
  { name: 'task_specs' },
  // One document per plan, `_id` = the plan id: where its nodes and tasks are (plan-positions.ts).
  { name: 'plan_positions' },
  { name: 'plan_rejections', indexes: [{ fields: { projectId: 1 } }] },
];

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

/** A plan's members by bucket (plan-layout.ts), as a commit writes them. */
interface PlanLayout {
  readonly nodes: BucketsLayout<StoredPlanNode>;
  readonly tasks: BucketsLayout<StoredTask>;
}

/** The layout of `nodes` and `tasks`, sharing what it can with `previous` (see bucketsLayout). */
function layoutOf(
  nodes: readonly StoredPlanNode[],
  tasks: readonly StoredTask[],
  previous?: PlanLayout,
): PlanLayout {
  return {
    nodes: bucketsLayout(nodes, NODE_MEMBERS, previous?.nodes),
    tasks: bucketsLayout(tasks, TASK_MEMBERS, previous?.tasks),
  };
}

/** How `writeBuckets` stores one kind of member. */
interface BucketWriter<T> {
  /** The member as its bucket holds it (positions blanked). */
  stored(member: T): T;
  /** True when both members are stored as the same JSON: `sameJson` of their stored forms. */
  sameStored(a: T, b: T): boolean;
  upsert(bucket: number, members: T[]): Promise<void>;
  remove(bucket: number): Promise<unknown>;
}

/**
 * Upserts each bucket whose stored members changed (every bucket when `rewriteAll`) and deletes the
 * buckets that emptied. Members are compared as the JSON they are stored as, without serialising
 * or copying either side: a plan's buckets are ~30 MB of JSON for a 500k-word blueprint, and a
 * re-plan changes a few of them.
 */
async function writeBuckets<T>(
  next: BucketsLayout<T>,
  previous: BucketsLayout<T>,
  rewriteAll: boolean,
  writer: BucketWriter<T>,
): Promise<void> {
  for (let b = 0; b < BUCKETS; b++) {
    const bucket = next[b];
    const before = previous[b];
    if (bucket === undefined) {
      if (before !== undefined) await writer.remove(b);
      continue;
    }
    const unchanged =
      !rewriteAll &&
      before !== undefined &&
      // The same bucket: one the layout kept as it was (bucketsLayout).
      (bucket === before || sameMembers(bucket.members, before.members, writer.sameStored));
    if (!unchanged) await writer.upsert(b, bucket.members.map(writer.stored));
  }
}

function sameMembers<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

/** True when two layouts' positions, bucket by bucket, are the same numbers. */
function sameBucketPositions<T>(a: BucketsLayout<T>, b: BucketsLayout<T>): boolean {
  for (let i = 0; i < BUCKETS; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !samePositions(x?.positions ?? [], y?.positions ?? [])) return false;
  }
  return true;
}

/** The layout's positions, as PlanPositionsDoc lists them. */
function positionsByBucket<T>(layout: BucketsLayout<T>): (readonly number[])[] {
  return Array.from({ length: BUCKETS }, (_, b) => layout[b]?.positions ?? []);
}

/** `members` by id, as a Map of them would hold them (ListedById while no id repeats). */
function membersById<T>(
  members: readonly T[],
  kind: MemberKind<T>,
  layout: BucketsLayout<T>,
): ReadonlyMap<string, T> {
  if (uniqueIds(layout)) return new ListedById(members, kind.idOf);
  return new Map(members.map((member) => [kind.idOf(member), member] as const));
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
  /** How it was written: a commit over it compares with this, and lays out from it (bucketsLayout). */
  readonly layout: PlanLayout;
}

/**
 * PlanRepository over the DocumentStore port: a head document per plan, its nodes and tasks in
 * bucket documents (see BUCKETS), their positions in one more (plan-positions.ts), and rejections
 * by blueprint version. A commit writes only documents whose content changed: re-planning a
 * 500k-word blueprint after a one-section edit rewrites a few documents, not the plan.
 *
 * A plan stored before positions were kept apart (no positions document; its buckets hold them)
 * loads as it was stored, and its next commit rewrites it in the current form.
 */
export class StorePlanRepository implements PlanRepository {
  /** One plan, the last committed (see CommittedPlan); its objects are never mutated. */
  private committed: CommittedPlan | undefined;

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async load(planId: string): Promise<StoredPlan | null> {
    const heads = this.store.collection<PlanHeadDoc>('plans');
    const last = this.committed;
    // Counted, not read: the head of a 500k-word plan is ~650 KB of JSON (its taskOrder), and a
    // re-plan would parse it only to find the revision it committed.
    if (last?.planId === planId && (await heads.count({ _id: planId, revision: last.revision })) === 1)
      return last.plan;
    const head = await heads.get(planId);
    if (!head) return null;
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
    // Absent for a plan stored before positions were kept apart: its buckets hold them.
    const positions = await this.store.collection<PlanPositionsDoc>('plan_positions').get(planId);
    const reader = (doc: PlanNodesDoc | TaskSpecsDoc, kind: BucketKind) =>
      positions && new PositionsReader(positions[kind][doc.bucket], planId, doc._id);
    const nodes = new Map<string, StoredPlanNode>();
    for (const doc of await this.buckets<PlanNodesDoc>('plan_nodes', planId, 'nodes')) {
      const read = reader(doc, 'nodes');
      for (const n of doc.nodes) {
        read?.restoreNode(n);
        nodes.set(n.node.id, n);
      }
      read?.end();
    }
    const tasks = new Map<string, StoredTask>();
    for (const doc of await this.buckets<TaskSpecsDoc>('task_specs', planId, 'tasks')) {
      const read = reader(doc, 'tasks');
      for (const t of doc.tasks) {
        read?.restoreTask(t);
        tasks.set(t.task.id, t);
      }
      read?.end();
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

  async commit(next: PlanCommit, previous: StoredPlan | null, events: readonly Envelope[]): Promise<void> {
    const layout = await commitWithOutbox(
      this.store,
      async (tx) => {
        // Each planning commits once (a plan, an announcement or a rejection): that commit records
        // the blueprint.ingested being handled in the inbox.
        await recordHandledMessage(tx, this.clock);
        const layout = await this.writePlan(tx, next, previous);
        return { result: layout, events };
      },
      this.clock,
    );
    this.remember(next, layout);
  }

  async commitRepoCheck(
    projectId: string,
    view: RepoView,
    revised: readonly { readonly next: PlanCommit; readonly previous: StoredPlan }[],
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
  private remember(next: PlanCommit, layout: PlanLayout): void {
    this.committed = {
      planId: next.head.planId,
      revision: next.head.revision,
      plan: {
        head: next.head,
        nodes: membersById(next.nodes, NODE_MEMBERS, layout.nodes),
        tasks: membersById(next.tasks, TASK_MEMBERS, layout.tasks),
      },
      layout,
    };
  }

  /**
   * Writes `next` over `previous` in `tx`: the head by compare-and-set, then the positions and the
   * buckets, each only if it changed. Returns how `next` was written.
   */
  private async writePlan(
    tx: StoreTransaction,
    next: PlanCommit,
    previous: StoredPlan | null,
  ): Promise<PlanLayout> {
    const planId = next.head.planId;
    const { planId: _, ...head } = next.head;
    // The plan revision doubles as the head's store version: a concurrent planner that loaded
    // the same revision loses here, and its whole transaction (nodes, tasks, events) with it.
    await tx
      .collection<PlanHeadDoc>('plans')
      .replaceIfVersion({ _id: planId, ...head }, previous?.head.revision ?? 0);
    const before = this.layoutBefore(previous);
    const layout = layoutOf(next.nodes, next.tasks, before);

    const positionDocs = tx.collection<PlanPositionsDoc>('plan_positions');
    // A plan stored before positions were kept apart has no positions document: this commit
    // rewrites all of its buckets without their positions, and it is in the current form. The plan
    // this repository committed last has one (no read needed).
    const upgrade =
      previous !== null &&
      previous !== this.committed?.plan &&
      (await positionDocs.count({ _id: planId })) === 0;
    const positionsChanged =
      previous === null ||
      upgrade ||
      !sameBucketPositions(layout.nodes, before.nodes) ||
      !sameBucketPositions(layout.tasks, before.tasks);
    if (positionsChanged)
      await positionDocs.upsert({
        _id: planId,
        nodes: positionsByBucket(layout.nodes),
        tasks: positionsByBucket(layout.tasks),
      });

    const nodeDocs = tx.collection<PlanNodesDoc>('plan_nodes');
    await writeBuckets(layout.nodes, before.nodes, upgrade, {
      stored: blankNodePositions,
      // A node the planner says only moved is the same as the one it moved from, uncompared.
      sameStored: (a, b) => next.movedNodes?.get(a) === b || sameStoredNode(a, b),
      upsert: (b, members) =>
        nodeDocs.upsert({ _id: bucketId(planId, 'nodes', b), planId, bucket: b, nodes: members }),
      remove: (b) => nodeDocs.delete(bucketId(planId, 'nodes', b)),
    });
    const taskDocs = tx.collection<TaskSpecsDoc>('task_specs');
    await writeBuckets(layout.tasks, before.tasks, upgrade, {
      stored: blankTaskPositions,
      sameStored: sameStoredTask,
      upsert: (b, members) =>
        taskDocs.upsert({ _id: bucketId(planId, 'tasks', b), planId, bucket: b, tasks: members }),
      remove: (b) => taskDocs.delete(bucketId(planId, 'tasks', b)),
    });

    // The anchor the plan carries becomes the project's current one (gap reports and proposals
    // are checked against it), committed with the plan.
    await recordAnchor(tx, {
      projectId: head.projectId,
      anchor: head.anchor,
      blueprintId: head.blueprintId,
      blueprintVersion: head.blueprintVersion,
      recordedAt: this.clock.now(),
    });
    return layout;
  }

  /** How `previous` was written: remembered when this repository committed it, else rebuilt. */
  private layoutBefore(previous: StoredPlan | null): PlanLayout {
    if (previous === null) return { nodes: EMPTY_LAYOUT, tasks: EMPTY_LAYOUT };
    if (previous === this.committed?.plan) return this.committed.layout;
    return layoutOf([...previous.nodes.values()], [...previous.tasks.values()]);
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
