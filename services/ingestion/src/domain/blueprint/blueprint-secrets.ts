import type { BlueprintSecretFinding, IngestionWarning } from '@autopilot/contracts';
import { MAX_BLUEPRINT_SECRET_FINDINGS } from '@autopilot/contracts';
import { describeSecretRule, findSecrets } from '@autopilot/secret-scan';
import type { Section } from '../sections/section-tree';
import { fileAt, type SourceFile } from './text-position';

/** Most warnings one job reports; the findings on `blueprint.ingested` hold more. */
export const MAX_SECRET_WARNINGS = 100;

export interface SecretSearch {
  readonly files?: readonly SourceFile[];
  /** Names a single-file blueprint in warnings (its path). */
  readonly label?: string;
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
  const found = findSecrets(text).slice(0, MAX_BLUEPRINT_SECRET_FINDINGS);
  const out: BlueprintSecretFinding[] = [];
  let section = -1;
  let lineStart = 0;
  let line = 1;
  let file: SourceFile | undefined;
  for (const f of found) {
    while (section + 1 < sections.length && sections[section + 1]!.start <= f.start) section++;
    const here = search.files ? fileAt(search.files, f.start) : undefined;
    if (here !== file) {
      // A new file: its lines count from its own first character.
      file = here;
      lineStart = here?.start ?? 0;
      line = 1;
    }
    for (let i = text.indexOf('\n', lineStart); i !== -1 && i < f.start; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const finding: BlueprintSecretFinding = { rule: f.rule, start: f.start, end: f.end, line };
    const sectionId = sections[section]?.id;
    if (sectionId !== undefined) finding.sectionId = sectionId;
    const path = file?.path ?? search.label;
    if (path !== undefined) finding.file = path;
    out.push(finding);
  }
  return out;
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
