import type { ContentHash } from '@autopilot/kernel';

/**
 * A blueprint's id from what names it, so the same (project, name) is the same blueprint on every
 * machine and every run: `autopilot plan` twice on fresh stores prints byte-identical ids.
 */
export function blueprintIdFor(projectId: string, name: string, hash: ContentHash): string {
  return `bp_${hash(`${projectId}\u0000${name}`).slice(0, 24)}`;
}

/** The stored id of one version of a blueprint. */
export const versionDocId = (blueprintId: string, version: number): string => `${blueprintId}:v${version}`;

/** The id of what a version's parse left for the next (BlueprintBlocksRecord). */
export const blocksDocId = (versionId: string): string => `${versionId}:b`;
