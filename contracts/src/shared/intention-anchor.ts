import { Type, type Static } from '@sinclair/typebox';
import { Count, Id, Text } from './primitives';
import { StringEnum } from './string-enum';

/**
 * The eight pivot types of an intention anchor v2, in the order the anchor lists them: north star /
 * value, safety / risk, evidence / verification, scope / boundaries, budget / cost, memory /
 * continuity, governance / review, parallelism / isolation.
 */
export const PIVOT_TYPES = [
  'north_star',
  'safety',
  'evidence',
  'scope',
  'budget',
  'memory',
  'governance',
  'parallelism',
] as const;
export const PivotType = StringEnum(PIVOT_TYPES, { description: 'Which of the eight pivots' });
export type PivotType = Static<typeof PivotType>;

/**
 * One statement of a pivot, quoted from where it was said: a blueprint passage (`start`/`end` are
 * offsets into the blueprint text, so `text.slice(start, end)` is the statement) or an explicit
 * project input. An anchor never holds a statement nobody made.
 */
export const PivotStatement = Type.Object(
  {
    text: Text(500, 'The statement, verbatim from its source (cut at a word boundary when long)'),
    source: StringEnum(['blueprint', 'project_input'] as const, { description: 'Where it was stated' }),
    start: Type.Optional(Count('Blueprint statements: start offset (UTF-16 code units) in the text')),
    end: Type.Optional(Count('Blueprint statements: end offset, exclusive')),
    heading: Type.Optional(
      Type.String({
        maxLength: 300,
        description: 'Blueprint statements: the heading or label it sits under',
      }),
    ),
    input: Type.Optional(
      Type.String({ maxLength: 64, description: 'Project-input statements: the input field it came from' }),
    ),
    truncated: Type.Optional(Type.Boolean({ description: 'True when the source passage was longer' })),
  },
  { description: 'A statement of a pivot, with its source' },
);
export type PivotStatement = Static<typeof PivotStatement>;

/** One pivot and what was stated for it; an empty `statements` list means nobody said. */
export const AnchorPivot = Type.Object(
  {
    type: PivotType,
    label: Text(64, 'How the pivot is named to people, e.g. "Safety / risk"'),
    statements: Type.Array(PivotStatement, { maxItems: 20 }),
  },
  { description: 'A pivot of the intention anchor' },
);
export type AnchorPivot = Static<typeof AnchorPivot>;

/** A question for a person, asked because nothing states the pivot it names. */
export const AnchorQuestion = Type.Object(
  {
    pivot: PivotType,
    text: Text(500, 'The question'),
  },
  { description: 'A clarifying question' },
);
export type AnchorQuestion = Static<typeof AnchorQuestion>;

/**
 * The short statement of what the blueprint is for, which plans, gaps and proposals are checked
 * against. `text` is bounded at 2048 characters (v2 producers keep it under 2048 UTF-8 bytes) so it
 * always fits in an LLM prompt beside the work.
 *
 * Format 1 carried `pivots` as free text only. Format 2 (@since issue 3) adds `typedPivots` (all
 * eight, each with its sourced statements) and `questions`; its `pivots` holds one line per stated
 * pivot, as in `text`, so format-1 readers keep working.
 */
export const IntentionAnchor = Type.Object(
  {
    id: Id('Anchor id; v2: derived from the content, so the same intention has the same id'),
    formatVersion: Type.Union([Type.Literal(1), Type.Literal(2)], {
      description: 'Version of the anchor format',
    }),
    text: Text(2048, 'The intention, in a few sentences'),
    pivots: Type.Array(Text(500, 'One pivot'), {
      maxItems: 20,
      description: 'The decisions the intention turns on: what must stay true whatever the plan becomes',
    }),
    typedPivots: Type.Optional(
      Type.Array(AnchorPivot, {
        maxItems: 8,
        description: 'v2: the eight pivots in PIVOT_TYPES order, stated or empty',
      }),
    ),
    questions: Type.Optional(
      Type.Array(AnchorQuestion, {
        maxItems: 8,
        description: 'v2: one question per unstated pivot, in pivot order',
      }),
    ),
  },
  { description: 'An intention anchor' },
);
export type IntentionAnchor = Static<typeof IntentionAnchor>;
