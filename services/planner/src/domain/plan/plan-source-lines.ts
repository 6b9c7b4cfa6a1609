import { commonPrefixLength } from '@autopilot/kernel';
import type { BlueprintForPlan, PlanGraph, PlannedNode } from './plan-graph';

const NEWLINE = 10;

/** What `withSourceLines` was given last time (an earlier version of the same plan) and made of it. */
export interface LinedBefore {
  readonly given: readonly PlannedNode[];
  readonly lined: readonly PlannedNode[];
  readonly blueprint: Pick<BlueprintForPlan, 'text' | 'files'>;
}

/**
 * Each node's file (for a blueprint of several files) and 1-based, inclusive line range in that
 * file, from its [start, end) offsets in the original text (issue 17 item 6). Computed on the
 * original text, after redaction is undone: a redacted secret may have spanned lines.
 *
 * With `before`: a node given as it was last time (the same object, at the same index) that ends
 * before the first character where the texts differ has the same lines, so it is the node made
 * last time. A re-plan's nodes before its edit then stay the same objects through to the store.
 */
export function withSourceLines(
  graph: PlanGraph,
  blueprint: Pick<BlueprintForPlan, 'text' | 'files'>,
  before?: LinedBefore,
): PlanGraph {
  const { text } = blueprint;
  const unchangedUpTo = before ? unchangedPrefix(before.blueprint, blueprint) : 0;
  const newlines = newlineOffsets(text);
  /** 1-based line of an offset in the whole text. */
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const files = [...(blueprint.files ?? [])].sort((a, b) => a.start - b.start);
  const fileAt = (offset: number) => {
    let found: { path: string; start: number } | undefined;
    for (const f of files) if (f.start <= offset) found = f;
    return found;
  };
  return {
    ...graph,
    nodes: graph.nodes.map((node, i) => {
      if (before && node.end <= unchangedUpTo && before.given[i] === node) return before.lined[i]!;
      const file = files.length > 1 ? fileAt(node.start) : undefined;
      const base = file ? lineAt(file.start) - 1 : 0;
      const firstLine = lineAt(node.start);
      // The last line is the one holding the node's last character, not the newline that ends it.
      const last = Math.max(node.start, node.end - 1);
      const lastLine = lineAt(text.charCodeAt(last) === NEWLINE ? Math.max(node.start, last - 1) : last);
      const startLine = firstLine - base;
      const endLine = Math.max(firstLine, lastLine) - base;
      // `id` leads the copy, then the node (its own `id` included, so the keys keep its order):
      // V8 (Node 20) gives each object written `{ ...node, startLine }` a hidden class of its own,
      // and 20k of them make every later read of a node a slow lookup. Led by a plain property,
      // the copies share one. (`Object.assign` would make them dictionaries: twice the memory.)
      const rest: Omit<PlannedNode, 'id'> = node;
      return file
        ? { id: node.id, ...rest, file: file.path, startLine, endLine }
        : { id: node.id, ...rest, startLine, endLine };
    }),
  };
}

/**
 * The offset of every newline in `text`, in order. Counted first, then written into a typed array:
 * pushing 220k offsets (a 500k-word blueprint) onto an array took ten times as long.
 */
function newlineOffsets(text: string): Int32Array {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  const offsets = new Int32Array(count);
  let k = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) offsets[k++] = i;
  return offsets;
}

/**
 * How many characters at the start of both texts are the same, and lie where both say the same
 * about files (a file boundary that moved or changed its path makes the rest differ); 0 when they
 * list different files.
 */
function unchangedPrefix(
  a: Pick<BlueprintForPlan, 'text' | 'files'>,
  b: Pick<BlueprintForPlan, 'text' | 'files'>,
): number {
  const filesA = a.files ?? [];
  const filesB = b.files ?? [];
  if (filesA.length !== filesB.length) return 0;
  let same = commonPrefixLength(a.text, b.text);
  filesA.forEach((f, k) => {
    const g = filesB[k]!;
    if (f.path !== g.path) same = 0;
    else if (f.start !== g.start) same = Math.min(same, f.start, g.start);
  });
  return same;
}
