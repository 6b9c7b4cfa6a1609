import type { BlueprintSecretFinding, IngestionWarning } from '@autopilot/contracts';
import { MAX_BLUEPRINT_SECRET_FINDINGS } from '@autopilot/contracts';
import {
  describeSecretRule,
  findSecrets,
  findSecretsAfterEdits,
  type SecretFinding,
} from '@autopilot/secret-scan';
import type { TextEdit } from '../sections/section-blocks';
import type { Section } from '../sections/section-tree';
import { fileAt, type SourceFile } from './text-position';

/** Most warnings one job reports; the findings on `blueprint.ingested` hold more. */
export const MAX_SECRET_WARNINGS = 100;

/**
 * Most findings a scan kept for the next version may hold: a text made of secret-shaped strings
 * (hundreds of thousands in 8 MB) would otherwise keep tens of MB beside its parse; its next
 * version is scanned whole.
 */
export const MAX_KEPT_SECRET_FINDINGS = 10_000;

/** The scan to keep for the next version, when it is small enough to keep. */
export function secretScanToKeep(scan: BlueprintSecretScan): BlueprintSecretScan | undefined {
  return scan.findings.length <= MAX_KEPT_SECRET_FINDINGS ? scan : undefined;
}

export interface SecretSearch {
  readonly files?: readonly SourceFile[];
  /** Names a single-file blueprint in warnings (its path). */
  readonly label?: string;
}

/**
 * What a blueprint's secret scan leaves for the scan of its next version: the next one-file version
 * scans only around its edit and takes the rest from here (issue 17: re-ingesting after a
 * one-section edit scanned the whole 2.9 MB again).
 */
export interface BlueprintSecretScan {
  /** `findSecrets` of the text, whole (the announced findings stop at MAX_BLUEPRINT_SECRET_FINDINGS). */
  readonly findings: readonly SecretFinding[];
  /** The 1-based line of each finding's start, counted within its file. */
  readonly lines: readonly number[];
}

/** The scan of a one-file blueprint's previous version, and how its text became this one. */
export interface EarlierBlueprintScan {
  /** The previous version's text. */
  readonly text: string;
  readonly scan: BlueprintSecretScan;
  /** The previous text to this one (`textEdit`). */
  readonly edit: TextEdit;
}

/** A blueprint's findings as announced, and its scan for the next version. */
export interface BlueprintSecrets {
  readonly findings: BlueprintSecretFinding[];
  readonly scan: BlueprintSecretScan;
}

/**
 * The secret-shaped ranges of a parsed blueprint (the rules of @autopilot/secret-scan), each with the
 * section, file and line it is in, in text order. One pass over the text for the lines, so a
 * blueprint full of keys costs no more than one without.
 */
export function findBlueprintSecrets(
  text: string,
  sections: readonly Pick<Section, 'id' | 'start'>[],
  search: SecretSearch = {},
): BlueprintSecretFinding[] {
  return scanBlueprintSecrets(text, sections, search).findings;
}

/**
 * `findBlueprintSecrets` and what the next version's scan takes from it. With `earlier` (a one-file
 * blueprint's previous version), the same findings at the cost of the edit: the text is scanned
 * only around it (`findSecretsAfterEdits`), and lines are counted only from a finding whose line is
 * known (on either side of the edit, lines move by the line breaks it added or removed).
 */
export function scanBlueprintSecrets(
  text: string,
  sections: readonly Pick<Section, 'id' | 'start'>[],
  search: SecretSearch = {},
  earlier?: EarlierBlueprintScan,
): BlueprintSecrets {
  const reuse = earlier && !search.files ? earlier : undefined;
  const found = reuse ? foundAfterEdit(text, reuse) : findSecrets(text);
  const lines = reuse ? linesAfterEdit(text, found, reuse) : linesOf(text, found, search.files);
  const out: BlueprintSecretFinding[] = [];
  let section = -1;
  const count = Math.min(found.length, MAX_BLUEPRINT_SECRET_FINDINGS);
  for (let i = 0; i < count; i++) {
    const f = found[i]!;
    while (section + 1 < sections.length && sections[section + 1]!.start <= f.start) section++;
    const finding: BlueprintSecretFinding = { rule: f.rule, start: f.start, end: f.end, line: lines[i]! };
    const sectionId = sections[section]?.id;
    if (sectionId !== undefined) finding.sectionId = sectionId;
    const path = (search.files ? fileAt(search.files, f.start)?.path : undefined) ?? search.label;
    if (path !== undefined) finding.file = path;
    out.push(finding);
  }
  return { findings: out, scan: { findings: found, lines } };
}

function foundAfterEdit(text: string, { text: old, scan, edit }: EarlierBlueprintScan): SecretFinding[] {
  const end = old.length - edit.suffix;
  const edits = [{ start: edit.prefix, end, text: text.slice(edit.prefix, text.length - edit.suffix) }];
  return findSecretsAfterEdits(text, { findings: scan.findings, edits });
}

/** Each finding's line, counted from the text's start (or from its file's, in a multi-file text). */
function linesOf(
  text: string,
  found: readonly SecretFinding[],
  files: readonly SourceFile[] | undefined,
): number[] {
  const lines: number[] = [];
  let file: SourceFile | undefined;
  let at = 0;
  let line = 1;
  for (const f of found) {
    const here = files ? fileAt(files, f.start) : undefined;
    if (here !== file) {
      // A new file: its lines count from its own first character.
      file = here;
      at = here?.start ?? 0;
      line = 1;
    }
    line += lineBreaks(text, at, f.start);
    at = f.start;
    lines.push(line);
  }
  return lines;
}

/**
 * Each finding's line in a one-file text, from the previous version's: a line is known at every
 * earlier finding's start before the edit (the same), and after it (moved by the line breaks the
 * edit added or removed); each finding's line is counted from the nearest known one before it.
 */
function linesAfterEdit(
  text: string,
  found: readonly SecretFinding[],
  { text: old, scan, edit }: EarlierBlueprintScan,
): number[] {
  const editEnd = text.length - edit.suffix;
  const lineShift =
    lineBreaks(text, edit.prefix, editEnd) - lineBreaks(old, edit.prefix, old.length - edit.suffix);
  const lines: number[] = [];
  let at = 0;
  let line = 1;
  let known = 0; // the next earlier finding to consider as a known line
  for (const f of found) {
    // The last earlier finding at or before f whose place in this text is known.
    for (; known < scan.findings.length; known++) {
      const e = scan.findings[known]!;
      const inPrefix = e.start < edit.prefix;
      const start = inPrefix ? e.start : e.start + edit.delta;
      if (!inPrefix && start < editEnd) continue; // its line start may be in the edit: not known
      if (start > f.start) break;
      if (start >= at) {
        at = start;
        line = scan.lines[known]! + (inPrefix ? 0 : lineShift);
      }
    }
    line += lineBreaks(text, at, f.start);
    at = f.start;
    lines.push(line);
  }
  return lines;
}

/** Line breaks in `text[from, to)`. */
function lineBreaks(text: string, from: number, to: number): number {
  if (to <= from) return 0;
  // In a slice: a search past `to` for a line break that is not there would read on to the end.
  const span = text.slice(from, to);
  let n = 0;
  for (let i = span.indexOf('\n'); i !== -1; i = span.indexOf('\n', i + 1)) n++;
  return n;
}

/** A finding as a person reads it: where, what, and what happens to it; never the secret. */
export function secretWarning(finding: BlueprintSecretFinding): IngestionWarning {
  const where = `${finding.file ?? 'blueprint'}:${finding.line}`;
  const warning: IngestionWarning = {
    code: 'INGESTION_SECRET_IN_BLUEPRINT',
    message:
      `${where}: ${describeSecretRule(finding.rule)} (rule ${finding.rule}). It is kept out of the plan, ` +
      `tasks, anchor and model prompts as [redacted: ${finding.rule}]; remove it from the blueprint and rotate it.`,
    line: finding.line,
    rule: finding.rule,
  };
  if (finding.file !== undefined) warning.file = finding.file;
  return warning;
}
