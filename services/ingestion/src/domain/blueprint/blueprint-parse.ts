import { MAX_BLUEPRINT_SECTIONS } from '@autopilot/contracts';
import type { ContentHash } from '@autopilot/kernel';
import { BlueprintRejectedError, RejectionReason } from './blueprint-rejected-error';
import {
  checkBlueprintText,
  normalizeBlueprintText,
  type BlueprintLimits,
  type TextChecks,
} from './blueprint-source';
import { textEdit } from '../sections/section-blocks';
import { sectionsFromMarkdown, type SectionTree, type TreeMemo } from '../sections/section-tree';
import { siteOfOffset, type SourceFile } from './text-position';

export interface ParsedBlueprint extends SectionTree {
  /** The normalized text the offsets point into (BOM dropped, `\n` line endings). */
  text: string;
  /** What checking the text measured: pass it with `previous` when parsing the next version. */
  checks: TextChecks;
}

export interface ParseBlueprintOptions extends BlueprintLimits {
  hash: ContentHash;
  /** Seed prefix of section ids (the blueprint id). */
  scope?: string;
  files?: readonly SourceFile[];
  /** Names a single-file blueprint in error messages. */
  label?: string;
  /** The blueprint's previous parse: only what changed is lexed, hashed and counted again. */
  previous?: TreeMemo;
  /** The checks of `previous`'s text (`ParsedBlueprint.checks`): only what changed is checked again. */
  previousChecks?: TextChecks;
}

/**
 * Everything ingestion checks and derives from a submitted text, in memory and before any write:
 * normalize, refuse bad input (EMPTY, TOO_LARGE, BINARY, TOO_DEEP, then TOO_MANY_SECTIONS and
 * HEADINGS_ONLY once parsed),
 * and build the section tree. Throws BlueprintRejectedError.
 */
export function parseBlueprint(submitted: string, opts: ParseBlueprintOptions): ParsedBlueprint {
  const text = normalizeBlueprintText(submitted);
  // Normalizing removes characters; file offsets were taken on normalized file texts (the file adapter
  // normalizes each file before joining), so a submitted `files` list stays valid.
  const where = {
    ...(opts.files ? { files: opts.files } : {}),
    ...(opts.label ? { label: opts.label } : {}),
  };
  if (opts.files) checkFiles(opts.files, text.length);
  // Computed once for the checks and the section tree.
  const edit = opts.previous && !opts.files ? textEdit(opts.previous.blocks.text, text) : undefined;
  const earlier =
    opts.previous && opts.previousChecks && edit
      ? { text: opts.previous.blocks.text, checks: opts.previousChecks, edit }
      : undefined;
  const checks = checkBlueprintText(text, where, opts, earlier);
  const tree = sectionsFromMarkdown(text, {
    hash: opts.hash,
    ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
    ...(opts.files ? { files: opts.files } : {}),
    ...(opts.previous ? { previous: opts.previous } : {}),
    ...(edit ? { previousEdit: edit } : {}),
  });
  const maxSections = opts.maxSections ?? MAX_BLUEPRINT_SECTIONS;
  const beyond = tree.sections[maxSections];
  if (beyond) {
    // Refused here, in memory: the event could not carry it, and a job left half-written would
    // never end (issue 13 item 6).
    throw new BlueprintRejectedError(
      RejectionReason.TOO_MANY_SECTIONS,
      `${tree.sections.length} sections (headings); a blueprint may have at most ${maxSections}: split it into several blueprints`,
      siteOfOffset(text, beyond.start, opts.files, opts.label),
    );
  }
  if (tree.contentBlocks === 0) {
    const first = tree.sections[0];
    const site = first ? siteOfOffset(text, first.start, opts.files, opts.label) : {};
    throw new BlueprintRejectedError(
      RejectionReason.HEADINGS_ONLY,
      `${tree.headingCount} heading${tree.headingCount === 1 ? '' : 's'} and no text under any of them`,
      site,
    );
  }
  return { text, checks, ...tree };
}

/** A file list must start at 0 and increase strictly inside the text, or offsets would point nowhere. */
function checkFiles(files: readonly SourceFile[], length: number): void {
  files.forEach((file, i) => {
    const previous = files[i - 1];
    const ok =
      i === 0
        ? file.start === 0
        : previous !== undefined && file.start > previous.start && file.start < length;
    if (!ok) {
      throw new BlueprintRejectedError(
        RejectionReason.INVALID_FILES,
        `file ${i + 1} of ${files.length} starts at ${file.start}: files must start at 0 and increase inside the ${length}-character text`,
        { file: file.path },
      );
    }
  });
}
