import type { BlueprintIngestedV1 } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';

/**
 * Test support: a `blueprint.ingested` payload for a Markdown text, built the way ingestion builds
 * it (ATX headings outside fences become sections; ids follow the heading path; hashes cover a
 * section's own text). Small and line-based on purpose: planner tests must not depend on the
 * ingestion service's code, only on its contract.
 */
export function markdownBlueprint(
  text: string,
  opts: { projectId?: string; blueprintId?: string; version?: number; previous?: BlueprintIngestedV1 } = {},
): BlueprintIngestedV1 {
  type Draft = { id: string; parentId?: string; level: number; title: string; start: number; end: number };
  const drafts: Draft[] = [];
  const stack: Draft[] = [];
  const seen = new Map<string, number>();
  let fence: string | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
        fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const level = heading[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop()!.end = lineStart;
    const parent = stack[stack.length - 1];
    const path = [...stack.map((s) => s.title), heading[2]!].join('\u0000');
    const n = (seen.get(path) ?? 0) + 1;
    seen.set(path, n);
    const draft: Draft = {
      id: `sec-${sha256Hex(`${path}\u0000${n}`).slice(0, 20)}`,
      ...(parent ? { parentId: parent.id } : {}),
      level,
      title: heading[2]!,
      start: lineStart,
      end: text.length,
    };
    drafts.push(draft);
    stack.push(draft);
  }
  for (const open of stack) open.end = text.length;
  const sections = drafts.map((d, i) => {
    const own = text.slice(d.start, Math.min(d.end, drafts[i + 1]?.start ?? d.end));
    return {
      ...d,
      hash: sha256Hex(own),
      wordCount: own.split(/\s+/).filter((w) => w !== '').length,
    };
  });
  const previousHashes = new Map((opts.previous?.sections ?? []).map((s) => [s.id, s.hash]));
  return {
    blueprintId: opts.blueprintId ?? 'bp-1',
    projectId: opts.projectId ?? 'project-1',
    version: opts.version ?? (opts.previous ? opts.previous.version + 1 : 1),
    jobId: 'job-1',
    title: sections[0]?.title.slice(0, 300) || 'Blueprint',
    format: 'markdown',
    digest: sha256Hex(text),
    text,
    wordCount: text.split(/\s+/).filter((w) => w !== '').length,
    sections,
    changedSectionIds: sections.filter((s) => previousHashes.get(s.id) !== s.hash).map((s) => s.id),
    ingestedAt: '2026-11-24T10:15:00.000Z',
  };
}
