import type { BlueprintForPlan, PlanGraph } from './plan-graph';

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
      // The last line is the one holding the node's last character, not the newline that ends it.
      const last = Math.max(node.start, node.end - 1);
      const endLine = lineAt(text[last] === '\n' ? Math.max(node.start, last - 1) : last);
      return {
        ...node,
        ...(file ? { file: file.path } : {}),
        startLine: lineAt(node.start) - base,
        endLine: Math.max(lineAt(node.start), endLine) - base,
      };
    }),
  };
}
