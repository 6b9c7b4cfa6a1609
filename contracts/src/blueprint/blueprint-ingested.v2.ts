import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BlueprintFiles, Sha256 } from '../shared/blueprint-text';
import { Count, Id, Text, Timestamp } from '../shared/primitives';
import {
  BlueprintSecretFinding,
  BlueprintSection,
  MAX_BLUEPRINT_SECRET_FINDINGS,
  MAX_BLUEPRINT_SECTIONS,
} from './blueprint-ingested.v1';

/**
 * A replacement in the base version's text: `[start, end)` of the base (UTF-16 units) becomes `text`.
 */
export const BlueprintTextEdit = Type.Object(
  {
    start: Count('Offset in the base text where the replaced range starts'),
    end: Count('Offset in the base text where the replaced range ends, exclusive'),
    text: Type.String({ maxLength: 16 * 1024 * 1024, description: 'What replaces the range' }),
  },
  { additionalProperties: false, description: 'A replacement in the base text' },
);
export type BlueprintTextEdit = Static<typeof BlueprintTextEdit>;

/**
 * Sections kept from the base version: its sections `[from, from + count)`, unchanged but for their
 * offsets, which move with the text edits (`mapBaseOffset`).
 */
export const KeptSections = Type.Object(
  {
    keep: Type.Object(
      {
        from: Count('Index of the first kept section in the base version'),
        count: Type.Integer({ minimum: 1, description: 'How many base sections in a row are kept' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'A run of sections kept from the base version' },
);
export type KeptSections = Static<typeof KeptSections>;

/** The most edits one change carries: an edit per changed stretch of text. */
export const MAX_BLUEPRINT_TEXT_EDITS = 10_000;

export const BlueprintIngestedV2 = defineMessage({
  kind: 'event',
  aggregate: 'blueprint',
  name: 'ingested',
  version: 2,
  producer: 'ingestion',
  consumers: ['planner', 'gateway'],
  summary:
    'A blueprint version was ingested, told as a change to an earlier version its consumers hold: the ' +
    'text edits and the sections new or changed (v1 tells a version whole).',
  data: Type.Object({
    blueprintId: Id('Blueprint id'),
    projectId: Id('Project'),
    version: Type.Integer({ minimum: 1, description: 'Blueprint version, +1 per submitted change' }),
    parentVersion: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The version this one supersedes; absent for version 1' }),
    ),
    jobId: Id('The ingestion job that produced it'),
    title: Text(300, 'Blueprint title'),
    format: Type.Literal('markdown'),
    digest: Sha256('sha256 of the whole text (of this version, after the edits)'),
    base: Type.Object(
      {
        version: Type.Integer({
          minimum: 1,
          description: 'The version of the same blueprint it is told against',
        }),
        digest: Sha256(
          "sha256 of that version's text: a consumer holding another text must not apply the edits",
        ),
      },
      {
        description:
          'The version `textEdits` and `sections` change, which a consumer must hold to apply them; one ' +
          'that does not asks ingestion to announce this version whole (`cmd.ingestion.announce_blueprint`, ' +
          'answered with `blueprint.ingested` v1)',
      },
    ),
    textEdits: Type.Array(BlueprintTextEdit, {
      maxItems: MAX_BLUEPRINT_TEXT_EDITS,
      description:
        "Replacements in the base text in order, not overlapping, offsets in the base; applied, they give this version's text",
    }),
    files: Type.Optional(BlueprintFiles),
    wordCount: Count('Words in the whole text'),
    sections: Type.Array(Type.Union([BlueprintSection, KeptSections]), {
      maxItems: MAX_BLUEPRINT_SECTIONS,
      description:
        'Sections in document order: a section new or changed since the base as a whole, and runs of ' +
        'base sections kept unchanged (`keep`)',
    }),
    changedSectionIds: Type.Array(Id('Section id'), {
      maxItems: MAX_BLUEPRINT_SECTIONS,
      description: 'Sections new or changed since the previous version; all of them for version 1',
    }),
    ingestedAt: Timestamp('When ingestion finished'),
    secretFindings: Type.Optional(
      Type.Array(BlueprintSecretFinding, {
        maxItems: MAX_BLUEPRINT_SECRET_FINDINGS,
        description:
          "Secret-shaped ranges of this version's text in order (the first ones when there are more); the " +
          'text itself is the blueprint and keeps them, everything derived from it must not',
      }),
    ),
    secretRulesVersion: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Version of the secret rules that found them',
      }),
    ),
  }),
});
export type BlueprintIngestedV2 = Static<typeof BlueprintIngestedV2.data>;
