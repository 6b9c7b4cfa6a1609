import type { MemoSection } from './section-tree';

/**
 * A section's own fields and nothing else: what the memo keeps and what `blueprint.ingested` carries
 * (no heading path; no store fields of a section read back). Built field by field (a rest copy cost
 * 6 ms over 19.5k sections), each shape as one literal: a field added to a built object grows its
 * property store, which cost 30 ms over 19.5k sections in code the engine had not optimized yet
 * (a memo is made once per version). The fields keep their order: the optional ones last.
 */
export function memoSection(s: MemoSection): MemoSection {
  const { parentId, file } = s;
  if (file !== undefined) {
    const kept: MemoSection = ownFields(s);
    if (parentId !== undefined) kept.parentId = parentId;
    kept.file = file;
    return kept;
  }
  if (parentId === undefined) return ownFields(s);
  return {
    id: s.id,
    level: s.level,
    title: s.title,
    start: s.start,
    end: s.end,
    bodyEnd: s.bodyEnd,
    hash: s.hash,
    wordCount: s.wordCount,
    kind: s.kind,
    parentId,
  };
}

/** The fields every memo section has. */
function ownFields(s: MemoSection): MemoSection {
  return {
    id: s.id,
    level: s.level,
    title: s.title,
    start: s.start,
    end: s.end,
    bodyEnd: s.bodyEnd,
    hash: s.hash,
    wordCount: s.wordCount,
    kind: s.kind,
  };
}
