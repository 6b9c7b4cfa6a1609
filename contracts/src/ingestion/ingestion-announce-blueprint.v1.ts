import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Id } from '../shared/primitives';

export const IngestionAnnounceBlueprintV1 = defineMessage({
  kind: 'command',
  service: 'ingestion',
  name: 'announce_blueprint',
  version: 1,
  producer: 'planner',
  consumers: ['ingestion'],
  summary:
    'Announce a blueprint version again, whole: for a consumer handed the version as a change to one ' +
    'it does not hold (blueprint.ingested v2 with a base).',
  data: Type.Object({
    projectId: Id('Project the blueprint belongs to'),
    blueprintId: Id('The blueprint'),
    version: Type.Integer({ minimum: 1, description: 'The version to announce whole' }),
    jobId: Id('The ingestion job that produced the version: the announcement is correlated with it'),
  }),
});
export type IngestionAnnounceBlueprintV1 = Static<typeof IngestionAnnounceBlueprintV1.data>;
