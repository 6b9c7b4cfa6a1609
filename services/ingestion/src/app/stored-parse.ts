import { sha256Hex } from '@autopilot/kernel';
import { MAX_DOCUMENT_BYTES } from '@autopilot/store';
import { blocksDocId } from '../domain/blueprint/blueprint-identity';
import type { TreeMemo } from '../domain/sections/section-tree';
import { restoreTreeMemo, storedBlocksBytesBound, storedBlocksOf } from '../domain/sections/stored-blocks';
import type { BlueprintBlocksRecord, BlueprintRepository, RecentParse } from './ports';

/**
 * A parse memo rebuilt from the store: of the blueprint's current version when it was read. Lets a
 * new process (a second `autopilot plan` run) re-lex only what the next version changed. Its
 * sections are the version's as stored, so comparing with that version needs no second read.
 */
export interface RestoredParse {
  readonly version: number;
  readonly parse: RecentParse;
}

/**
 * The largest blocks record stored: well under the store's document limit, which the bound
 * (`storedBlocksBytesBound`) overstates anyway. A version past it stores none; the next version
 * of it is then lexed whole by a process that did not parse it, as before records existed.
 */
const MAX_BLOCKS_BYTES = MAX_DOCUMENT_BYTES / 2;

/** The record of what a one-file version's parse leaves for the next, or undefined when none is stored. */
export function blocksRecordOf(
  versionId: string,
  memo: TreeMemo | undefined,
): BlueprintBlocksRecord | undefined {
  const blocks = memo ? storedBlocksOf(memo) : undefined;
  if (!blocks || storedBlocksBytesBound(blocks) > MAX_BLOCKS_BYTES) return undefined;
  return { _id: blocksDocId(versionId), versionId, blocks };
}

/**
 * The parse memo of the blueprint's current version, rebuilt from its stored text, sections and
 * blocks record; undefined when there is no such version, it is a multi-file one, it stored no
 * blocks record (stored before records existed), or what is stored does not fit together (its text
 * is not the one its digest names). Secret scans and text checks are not stored: the next version
 * scans and checks its whole text, as a fresh parse does.
 */
export async function restoreParse(
  blueprints: BlueprintRepository,
  blueprintId: string,
): Promise<RestoredParse | undefined> {
  const blueprint = await blueprints.blueprint(blueprintId);
  if (blueprint?.currentVersion === undefined) return undefined;
  const version = await blueprints.version(blueprintId, blueprint.currentVersion);
  if (!version || version.filesKey !== '' || version.status === 'ingesting') return undefined;
  const blocks = await blueprints.blocksOf(version._id);
  if (!blocks) return undefined;
  const [text, sections] = await Promise.all([
    blueprints.textOf(version._id),
    blueprints.sectionsOf(version._id),
  ]);
  if (text.length !== version.chars || sections.length !== version.sectionCount) return undefined;
  if (sha256Hex(text) !== version.digest) return undefined;
  const memo = restoreTreeMemo(text, sections, blocks);
  return memo ? { version: version.number, parse: { digest: version.digest, memo } } : undefined;
}
