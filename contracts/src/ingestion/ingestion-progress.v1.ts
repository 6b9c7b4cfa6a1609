import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Sha256 } from '../shared/blueprint-text';
import { Failure } from '../shared/failure';
import { Count, Id, Timestamp } from '../shared/primitives';
import { StringEnum } from '../shared/string-enum';

/** Something a person should know about a job that still succeeded: a secret in the blueprint. */
export const IngestionWarning = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, description: 'AREA_UPPER_SNAKE warning code' }),
    message: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'For people: where (file:line) and what, never the secret itself',
    }),
    file: Type.Optional(Type.String({ maxLength: 4096, description: 'The file concerned' })),
    line: Type.Optional(Type.Integer({ minimum: 1, description: '1-based line in that file' })),
    rule: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The rule that found it, for secrets' }),
    ),
  },
  { description: 'A warning about the job' },
);
export type IngestionWarning = Static<typeof IngestionWarning>;

export const IngestionProgressV1 = defineMessage({
  kind: 'event',
  aggregate: 'ingestion',
  name: 'progress',
  version: 1,
  producer: 'ingestion',
  consumers: ['gateway'],
  summary: 'How far an ingestion job (blueprint or repository scan) has got; the whole job state.',
  data: Type.Object({
    jobId: Id('Ingestion job id'),
    projectId: Id('Project'),
    jobKind: StringEnum(['blueprint', 'repo_scan'] as const, { description: 'What the job ingests' }),
    blueprintId: Type.Optional(Id('Blueprint, for blueprint jobs once known')),
    phase: StringEnum(['queued', 'parsing', 'hashing', 'scanning', 'publishing', 'done', 'failed'] as const, {
      description: 'Current phase; done and failed are final',
    }),
    done: Count('Units finished: sections for blueprints, files for scans'),
    total: Type.Optional(Count('Units in all, once known')),
    error: Type.Optional(Failure),
    at: Timestamp('When this progress was measured'),
    // Optional since issue 17: on the final (done) event of a blueprint job.
    ingested: Type.Optional(
      Type.Object(
        {
          version: Type.Integer({ minimum: 1, description: 'The blueprint version the job ended with' }),
          digest: Sha256('sha256 of the whole text'),
          wordCount: Count('Words in the whole text'),
        },
        {
          description:
            'The version a blueprint job ended with, as blueprint.ingested announces it: its summary ' +
            'for whoever needs no more (a front end), without decoding its text and sections',
        },
      ),
    ),
    // Optional since issue 13: on the final (done) event of a blueprint job.
    warnings: Type.Optional(
      Type.Array(IngestionWarning, {
        maxItems: 100,
        description: 'Warnings about the job (the first ones), e.g. secrets found in the blueprint',
      }),
    ),
  }),
});
export type IngestionProgressV1 = Static<typeof IngestionProgressV1.data>;
