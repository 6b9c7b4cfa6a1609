import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { BlueprintFiles, BlueprintText } from '../shared/blueprint-text';
import { Id, Text } from '../shared/primitives';

export const IngestionSubmitBlueprintV1 = defineMessage({
  kind: 'command',
  service: 'ingestion',
  name: 'submit_blueprint',
  version: 1,
  producer: 'gateway',
  consumers: ['ingestion'],
  summary: 'Ingest a blueprint, or a new version of one: parse it into sections, hash them, announce it.',
  data: Type.Object({
    jobId: Id('Ingestion job id chosen by the sender, so a resent command resumes the same job'),
    projectId: Id('Project the blueprint belongs to'),
    blueprintId: Type.Optional(Id('Existing blueprint to add a version to; absent for a new blueprint')),
    title: Text(300, 'Blueprint title'),
    name: Type.Optional(
      Text(
        4096,
        'Stable name of the blueprint in its project (e.g. its path): a later submission with the same name ' +
          'is a new version of the same blueprint. Default: sourcePath, else title',
      ),
    ),
    format: Type.Literal('markdown', { description: 'Text format; only Markdown for now' }),
    text: BlueprintText,
    files: Type.Optional(BlueprintFiles),
    sourcePath: Type.Optional(
      Type.String({ maxLength: 4096, description: 'File the text was read from, for display' }),
    ),
    requestedBy: Actor,
  }),
});
export type IngestionSubmitBlueprintV1 = Static<typeof IngestionSubmitBlueprintV1.data>;
