/** A branch ready for review, as the merge order needs it. */
export interface ReviewBranch {
  readonly taskId: string;
  readonly branch: string;
  /** Tasks this one depends on (only those among the branches matter). */
  readonly dependsOn: readonly string[];
  /** Files the branch changes, relative to the repository root. */
  readonly files: readonly string[];
}

/** One step of the suggested order, with why it comes there. */
export interface MergeStep {
  readonly taskId: string;
  readonly branch: string;
  /** Files it shares with branches merged after it (conflicts a reviewer may meet there). */
  readonly overlapsLater: readonly string[];
  readonly reason: string;
}

/**
 * The order a person may merge the branches in: dependencies before dependants, and among the
 * branches free to go next, the one sharing the fewest files with the others still waiting (so
 * the conflicts a merge can cause come as late, and as few, as possible); ties by task id, so the
 * order is the same on every run. Branches that depend on each other in a cycle (which a task
 * graph never holds) go last, in id order.
 */
export function suggestMergeOrder(branches: readonly ReviewBranch[]): MergeStep[] {
  const byId = new Map(branches.map((b) => [b.taskId, b]));
  const waiting = new Set(byId.keys());
  const order: MergeStep[] = [];
  const overlapWith = (b: ReviewBranch, others: Iterable<string>): string[] => {
    const mine = new Set(b.files);
    const shared = new Set<string>();
    for (const id of others) {
      if (id === b.taskId) continue;
      for (const f of byId.get(id)!.files) if (mine.has(f)) shared.add(f);
    }
    return [...shared].sort();
  };
  while (waiting.size > 0) {
    const free = [...waiting]
      .map((id) => byId.get(id)!)
      .filter((b) => b.dependsOn.every((d) => !waiting.has(d)));
    const cyclic = free.length === 0;
    const candidates = (cyclic ? [...waiting].map((id) => byId.get(id)!) : free)
      .map((b) => ({ b, overlaps: overlapWith(b, waiting) }))
      .sort((x, y) => x.overlaps.length - y.overlaps.length || x.b.taskId.localeCompare(y.b.taskId));
    const { b, overlaps } = candidates[0]!;
    waiting.delete(b.taskId);
    const deps = b.dependsOn.filter((d) => byId.has(d));
    const reason = cyclic
      ? 'its dependencies wait on each other; merge it by hand'
      : [
          deps.length > 0 ? `after ${deps.join(', ')}, which it depends on` : 'depends on no other branch',
          overlaps.length === 0
            ? 'shares no file with the branches still to merge'
            : `shares ${overlaps.length} file${overlaps.length === 1 ? '' : 's'} with branches still to merge`,
        ].join('; ');
    order.push({ taskId: b.taskId, branch: b.branch, overlapsLater: overlaps, reason });
  }
  return order;
}
