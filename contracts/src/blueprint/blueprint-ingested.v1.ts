import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { BlueprintFiles, BlueprintText, Sha256 } from '../shared/blueprint-text';
import { Count, Id, Text, Timestamp } from '../shared/primitives';
import { StringEnum } from '../shared/string-enum';

/**
 * The most sections one blueprint may have: what `blueprint.ingested` carries. Ingestion refuses a
 * text with more while parsing it (TOO_MANY_SECTIONS), before anything is written or announced.
 */
export const MAX_BLUEPRINT_SECTIONS = 100_000;

/** A section from a top-level heading; flat with parentId so the schema needs no recursion. */
export const BlueprintSection = Type.Object(
  {
    id: Id('Section id, stable across versions while the heading path is unchanged'),
    parentId: Type.Optional(Id('Enclosing section; absent at the top level')),
    level: Type.Integer({ minimum: 1, maximum: 6, description: 'Heading level, 1 for #' }),
    title: Type.String({ maxLength: 1000, description: 'Heading text' }),
    start: Count('Offset of the heading in the text'),
    end: Count('Offset where the section (with its subsections) ends, exclusive'),
    hash: Sha256('sha256 of the section text; unchanged hash = unchanged section'),
    wordCount: Count('Words in the section, subsections excluded'),
    bodyEnd: Type.Optional(
      Count("Offset where the section's own text ends: its first subsection's heading, else `end`"),
    ),
    kind: Type.Optional(
      StringEnum(['heading', 'preamble'] as const, {
        description:
          'heading (the default): starts at a heading. preamble: the text before the first heading of ' +
          'the text (or of a file), titled "Preamble" (or the file path), level 1, no heading line',
      }),
    ),
    file: Type.Optional(
      Type.String({ maxLength: 4096, description: 'For a multi-file blueprint: the file the section is in' }),
    ),
  },
  { description: 'A section of the blueprint' },
);
export type BlueprintSection = Static<typeof BlueprintSection>;

/** The most secret findings `blueprint.ingested` carries; the planner scans for more itself. */
export const MAX_BLUEPRINT_SECRET_FINDINGS = 1000;

/**
 * Secret-shaped text ingestion found in the blueprint (an API key, a token, a private key): where it
 * is and which rule found it, never the text. Consumers keep these ranges out of everything they
 * derive (titles, the anchor, prompts), replaced by `[redacted: <rule>]`.
 */
export const BlueprintSecretFinding = Type.Object(
  {
    rule: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Id of the rule that matched (github-pat, aws-access-token, private-key, ...)',
    }),
    start: Count('Offset of the secret in the text'),
    end: Count('Offset where the secret ends, exclusive'),
    sectionId: Type.Optional(Id('The section the secret is in')),
    file: Type.Optional(
      Type.String({ maxLength: 4096, description: 'For a multi-file blueprint: the file the secret is in' }),
    ),
    line: Type.Integer({ minimum: 1, description: '1-based line of the secret in its file' }),
  },
  { description: 'A secret found in the blueprint, by position and rule' },
);
export type BlueprintSecretFinding = Static<typeof BlueprintSecretFinding>;

export const BlueprintIngestedV1 = defineMessage({
  kind: 'event',
  aggregate: 'blueprint',
  name: 'ingested',
  version: 1,
  producer: 'ingestion',
  consumers: ['planner', 'gateway'],
  summary: 'A blueprint version was ingested: its text, digest and section tree.',
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
    digest: Sha256('sha256 of the whole text'),
    text: BlueprintText,
    files: Type.Optional(BlueprintFiles),
    wordCount: Count('Words in the whole text'),
    sections: Type.Array(BlueprintSection, {
      maxItems: MAX_BLUEPRINT_SECTIONS,
      description: 'Sections in document order',
    }),
    changedSectionIds: Type.Array(Id('Section id'), {
      maxItems: MAX_BLUEPRINT_SECTIONS,
      description: 'Sections new or changed since the previous version; all of them for version 1',
    }),
    ingestedAt: Timestamp('When ingestion finished'),
    // Optional since issue 13: absent when the text holds nothing secret-shaped.
    secretFindings: Type.Optional(
      Type.Array(BlueprintSecretFinding, {
        maxItems: MAX_BLUEPRINT_SECRET_FINDINGS,
        description:
          'Secret-shaped ranges of the text in order (the first ones when there are more); the text ' +
          'itself is the blueprint and keeps them, everything derived from it must not',
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
export type BlueprintIngestedV1 = Static<typeof BlueprintIngestedV1.data>;
