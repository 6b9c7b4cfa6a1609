import type { BlueprintForPlan, PlanGraph, PlannedNode } from './plan-graph';

const NEWLINE = 10;

/**
 * Each node's file (for a blueprint of several files) and 1-based, inclusive line range in that
 * file, from its [start, end) offsets in the original text (issue 17 item 6). Computed on the
 * original text, after redaction is undone: a redacted secret may have spanned lines.
 */
export function withSourceLines(
  graph: PlanGraph,
  blueprint: Pick<BlueprintForPlan, 'text' | 'files'>,
): PlanGraph {
  const { text } = blueprint;
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines.push(i);
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
    nodes: graph.nodes.map((node) => {
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
