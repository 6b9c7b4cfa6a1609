import type {
  AnchorPivot,
  AnchorQuestion,
  AutonomyMode,
  BudgetCaps,
  IntentionAnchor,
  PivotStatement,
} from '@autopilot/contracts';
import { AutopilotError, type ContentHash } from '@autopilot/kernel';
import { renderAnchorText } from './anchor-text';
import { contentId } from '../content-id';
import {
  ReusingBlueprintScans,
  wholeBlueprintScans,
  type AnchorReading,
  type BlueprintScans,
} from './blueprint-scans';
import { BLUEPRINT_STATEMENTS_PER_PIVOT, PIVOT_TYPES, PIVOTS, type PivotType } from './pivot-types';
import { statementsIn, STATEMENT_MAX_CHARS, type QuotedStatement } from './pivot-statements';

export { BLUEPRINT_STATEMENTS_PER_PIVOT };
export type { AnchorReading } from './blueprint-scans';

/**
 * Intention anchor v2: the eight pivots filled from the blueprint (sections whose headings name a
 * pivot, and `Label: statement` lines) and from explicit project inputs. Every statement is quoted
 * from where it was made; a pivot nobody stated stays empty and becomes a question. Pure and
 * deterministic: the same blueprint and inputs give the same anchor, id included.
 */

export const ANCHOR_FORMAT_VERSION = 2;

/** A section as ingestion reports it (BlueprintSection has these fields and more). */
export interface AnchorSection {
  readonly title: string;
  readonly level: number;
  /** Offset of the heading in the text. */
  readonly start: number;
  /** Offset where the section, subsections included, ends (exclusive). */
  readonly end: number;
}

export interface BlueprintForAnchor {
  readonly text: string;
  /** Sections in document order, from top-level headings only (never from code fences). */
  readonly sections: readonly AnchorSection[];
}

/**
 * What a person states about the project outside the blueprint. Input statements come before the
 * blueprint's; a pivot listed in `replaceBlueprint` keeps only its input statements.
 */
export interface ProjectIntentInputs {
  readonly statements?: Readonly<Partial<Record<PivotType, readonly string[]>>>;
  readonly replaceBlueprint?: readonly PivotType[];
  /** Becomes a budget / cost statement. */
  readonly budgets?: Readonly<Partial<BudgetCaps>>;
  /** Becomes a parallelism / isolation statement. */
  readonly maxParallel?: number;
  /** Becomes a governance / review statement. */
  readonly autonomyMode?: AutonomyMode;
  /** Globs that always need approval; becomes a safety / risk statement quoting them in backticks. */
  readonly protectedPaths?: readonly string[];
}

export interface AnchorOptions {
  /** The content hash of the anchor's id (the kernel's `sha256Hex` in production). */
  readonly hash: ContentHash;
  readonly inputs?: ProjectIntentInputs;
}

/** An anchor in format 2: every optional v2 field present. */
export type IntentionAnchorV2 = IntentionAnchor & {
  readonly formatVersion: 2;
  readonly typedPivots: AnchorPivot[];
  readonly questions: AnchorQuestion[];
};

/** Most statements a pivot takes from any one section of the blueprint. */
export const STATEMENTS_PER_SECTION = 3;
/** Most statements a pivot takes from project inputs. */
export const INPUT_STATEMENTS_PER_PIVOT = 6;
/** At most one question per pivot, so never more than eight. */
export const MAX_QUESTIONS = 8;

/** The project inputs cannot be used as given. */
export class AnchorInputError extends AutopilotError {
  readonly code = 'PLANNER_ANCHOR_INPUT_INVALID';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Project intent input ${field}: ${reason}`);
  }
}

/** A section's offsets do not fit the blueprint text (ingestion and planner disagree). */
export class AnchorSectionRangeError extends AutopilotError {
  readonly code = 'PLANNER_ANCHOR_SECTION_RANGE';
  constructor(
    readonly sectionIndex: number,
    readonly title: string,
    readonly start: number,
    readonly end: number,
    readonly textLength: number,
  ) {
    super(
      `Blueprint section ${sectionIndex} "${title.slice(0, 80)}" spans [${start}, ${end}), ` +
        `outside the text of length ${textLength}`,
    );
  }
}

/** Builds the intention anchor v2 of a blueprint and the project's explicit inputs. */
export function anchorFromBlueprint(
  blueprint: BlueprintForAnchor,
  options: AnchorOptions,
): IntentionAnchorV2 {
  return anchorWith(blueprint, options, wholeBlueprintScans);
}

/**
 * The same anchor as `anchorFromBlueprint`, reading again only what changed since `previous` (what
 * was read in an earlier version, or in none), and what was read now for the next version.
 */
export function anchorFromBlueprintReusing(
  blueprint: BlueprintForAnchor,
  options: AnchorOptions,
  previous: AnchorReading | undefined,
): { anchor: IntentionAnchorV2; reading: AnchorReading } {
  const scans = new ReusingBlueprintScans(previous);
  const anchor = anchorWith(blueprint, options, scans);
  return { anchor, reading: scans.reading() };
}

function anchorWith(
  blueprint: BlueprintForAnchor,
  { hash, inputs = {} }: AnchorOptions,
  scans: BlueprintScans,
): IntentionAnchorV2 {
  const fromInputs = inputStatements(inputs);
  const fromBlueprint = blueprintStatements(blueprint, scans);
  const replaced = new Set(inputs.replaceBlueprint ?? []);

  const typedPivots: AnchorPivot[] = PIVOT_TYPES.map((type) => {
    const quoted = replaced.has(type) ? [] : (fromBlueprint.get(type) ?? []);
    return {
      type,
      label: PIVOTS[type].label,
      statements: [...(fromInputs.get(type) ?? []), ...quoted.map(toPivotStatement)],
    };
  });
  const questions: AnchorQuestion[] = typedPivots
    .filter((p) => p.statements.length === 0)
    .slice(0, MAX_QUESTIONS)
    .map((p) => ({ pivot: p.type, text: PIVOTS[p.type].question }));

  const { text, pivotLines } = renderAnchorText(typedPivots);
  // Offsets are left out of the id: the same intention, moved within an edited blueprint, keeps it.
  const idParts = typedPivots.map((p) =>
    JSON.stringify([p.type, p.statements.map((s) => [s.source, s.input ?? s.heading ?? '', s.text])]),
  );
  return {
    id: contentId('anchor', [String(ANCHOR_FORMAT_VERSION), ...idParts], hash),
    formatVersion: ANCHOR_FORMAT_VERSION,
    text,
    pivots: [...pivotLines],
    typedPivots,
    questions,
  };
}

function toPivotStatement(q: QuotedStatement): PivotStatement {
  const statement: PivotStatement = {
    text: q.text,
    source: 'blueprint',
    start: q.start,
    end: q.end,
    heading: q.heading.length > 300 ? q.heading.slice(0, 300) : q.heading,
  };
  if (q.truncated) statement.truncated = true;
  return statement;
}

/**
 * Blueprint statements per pivot. Sections whose heading names the pivot come first, shallowest
 * (then earliest) first, at most STATEMENTS_PER_SECTION each: a document-level "Testing strategy"
 * outranks the hundredth story's "Acceptance criteria". `Label:` lines follow in document order.
 * Duplicate statements (same words) are kept once.
 */
function blueprintStatements(
  blueprint: BlueprintForAnchor,
  scans: BlueprintScans,
): Map<PivotType, QuotedStatement[]> {
  const { text, sections } = blueprint;
  const candidates = new Map<PivotType, number[]>();
  // Intent is stated in the plan's own sections, not in an FAQ, a licence or install notes: a
  // question ("Why doesn't ESLint lock dependency versions?") and whatever sits under such a
  // section never name a pivot (issue 17 item 7).
  let referenceLevel = Number.POSITIVE_INFINITY;
  const kinds = scans.titleKinds(sections);
  sections.forEach((section, index) => {
    if (section.start < 0 || section.end > text.length || section.start > section.end) {
      throw new AnchorSectionRangeError(index, section.title, section.start, section.end, text.length);
    }
    if (section.level <= referenceLevel) referenceLevel = Number.POSITIVE_INFINITY;
    const kind = kinds[index]!;
    if (referenceLevel === Number.POSITIVE_INFINITY && kind.reference) referenceLevel = section.level;
    if (referenceLevel !== Number.POSITIVE_INFINITY) return;
    for (const type of kind.pivots) {
      const list = candidates.get(type) ?? [];
      list.push(index);
      candidates.set(type, list);
    }
  });

  const result = new Map<PivotType, QuotedStatement[]>();
  const seen = new Map<PivotType, Set<string>>();
  const add = (type: PivotType, statement: QuotedStatement): boolean => {
    const list = result.get(type) ?? [];
    const keys = seen.get(type) ?? new Set<string>();
    const key = statement.text.toLowerCase().replace(/[\s*_`]+/g, ' ');
    if (list.length >= BLUEPRINT_STATEMENTS_PER_PIVOT || keys.has(key)) return false;
    keys.add(key);
    list.push(statement);
    result.set(type, list);
    seen.set(type, keys);
    return true;
  };

  for (const type of PIVOT_TYPES) {
    const indices = (candidates.get(type) ?? []).sort((a, b) => {
      const sa = sections[a]!;
      const sb = sections[b]!;
      return sa.level - sb.level || sa.start - sb.start;
    });
    for (const index of indices) {
      if ((result.get(type)?.length ?? 0) >= BLUEPRINT_STATEMENTS_PER_PIVOT) break;
      const section = sections[index]!;
      const bodyStart = headingEnd(text, section.start, section.end);
      for (const s of statementsIn(text, bodyStart, section.end, section.title, STATEMENTS_PER_SECTION)) {
        add(type, s);
      }
    }
  }

  for (const [types, statement] of scans.labelledStatements(blueprint)) {
    for (const type of types) add(type, statement);
  }
  return result;
}

/** Where a section's body begins: after its heading line, and after a setext underline if one follows. */
function headingEnd(text: string, start: number, end: number): number {
  let lineEnd = text.indexOf('\n', start);
  if (lineEnd === -1 || lineEnd >= end) return end;
  const next = text.indexOf('\n', lineEnd + 1);
  const nextLine = text.slice(lineEnd + 1, next === -1 || next > end ? end : next);
  if (/^ {0,3}(?:=+|-+)[ \t]*$/.test(nextLine)) lineEnd = next === -1 || next > end ? end : next;
  return Math.min(end, lineEnd + 1);
}

/** Statements the project inputs make, per pivot, in a fixed order. */
function inputStatements(inputs: ProjectIntentInputs): Map<PivotType, PivotStatement[]> {
  const result = new Map<PivotType, PivotStatement[]>();
  const add = (type: PivotType, input: string, raw: string) => {
    const list = result.get(type) ?? [];
    if (list.length >= INPUT_STATEMENTS_PER_PIVOT) return;
    list.push(inputStatement(input, raw));
    result.set(type, list);
  };

  for (const type of Object.keys(inputs.statements ?? {})) {
    if (!(PIVOT_TYPES as readonly string[]).includes(type)) {
      throw new AnchorInputError(`statements.${type}`, `not a pivot type (one of ${PIVOT_TYPES.join(', ')})`);
    }
  }
  for (const type of inputs.replaceBlueprint ?? []) {
    if (!(PIVOT_TYPES as readonly string[]).includes(type)) {
      throw new AnchorInputError('replaceBlueprint', `"${type}" is not a pivot type`);
    }
  }
  for (const type of PIVOT_TYPES) {
    (inputs.statements?.[type] ?? []).forEach((statement, i) => {
      if (typeof statement !== 'string' || statement.trim() === '') {
        throw new AnchorInputError(`statements.${type}[${i}]`, 'must be a non-empty string');
      }
      add(type, `statements.${type}`, statement);
    });
  }

  const budgets = inputs.budgets;
  if (budgets !== undefined) {
    const parts: string[] = [];
    for (const [field, per] of [
      ['runUsd', 'per run'],
      ['dailyUsd', 'per day'],
      ['weeklyUsd', 'per week'],
    ] as const) {
      const value = budgets[field];
      if (value === undefined) continue;
      if (!Number.isFinite(value) || value < 0) {
        throw new AnchorInputError(`budgets.${field}`, 'must be a finite amount of US dollars >= 0');
      }
      parts.push(`$${value} ${per}`);
    }
    if (parts.length > 0) add('budget', 'budgets', `Spending caps: ${parts.join(', ')}.`);
  }
  if (inputs.maxParallel !== undefined) {
    if (!Number.isInteger(inputs.maxParallel) || inputs.maxParallel < 1) {
      throw new AnchorInputError('maxParallel', 'must be a whole number >= 1');
    }
    add(
      'parallelism',
      'maxParallel',
      `At most ${inputs.maxParallel} runs at once, each in its own worktree.`,
    );
  }
  if (inputs.autonomyMode !== undefined) {
    add('governance', 'autonomyMode', `Autonomy mode: ${inputs.autonomyMode}.`);
  }
  if (inputs.protectedPaths !== undefined && inputs.protectedPaths.length > 0) {
    inputs.protectedPaths.forEach((glob, i) => {
      if (typeof glob !== 'string' || glob.trim() === '' || glob.includes('`')) {
        throw new AnchorInputError(`protectedPaths[${i}]`, 'must be a non-empty glob without backticks');
      }
    });
    const globs = inputs.protectedPaths.map((g) => `\`${g.trim()}\``).join(', ');
    add('safety', 'protectedPaths', `Changes to ${globs} always need approval.`);
  }
  return result;
}

function inputStatement(input: string, raw: string): PivotStatement {
  const trimmed = raw.trim();
  if (trimmed.length <= STATEMENT_MAX_CHARS) return { text: trimmed, source: 'project_input', input };
  const cut = trimmed.lastIndexOf(' ', STATEMENT_MAX_CHARS);
  const text = trimmed.slice(0, cut > STATEMENT_MAX_CHARS / 2 ? cut : STATEMENT_MAX_CHARS).trimEnd();
  return { text, source: 'project_input', input, truncated: true };
}
