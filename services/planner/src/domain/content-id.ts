import type { ContentHash } from '@autopilot/kernel';

/**
 * A content-derived id, for anchors, gap reports, gaps, proposals and their actions: the same content
 * gives the same id in every process and on every run. `<prefix>-` and the first 24 hex digits
 * (96 bits) of `hash` (SHA-256 in production, the kernel's `sha256Hex`) over the parts joined by NUL,
 * a separator no part can smuggle in by accident.
 */
export function contentId(prefix: string, parts: readonly string[], hash: ContentHash): string {
  return `${prefix}-${hash(parts.join('\u0000')).slice(0, 24)}`;
}
