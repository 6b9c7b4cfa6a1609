import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Failure } from '../shared/failure';
import { Count, Id, Timestamp } from '../shared/primitives';
import { StringEnum } from '../shared/string-enum';

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
  }),
});
export type IngestionProgressV1 = Static<typeof IngestionProgressV1.data>;
