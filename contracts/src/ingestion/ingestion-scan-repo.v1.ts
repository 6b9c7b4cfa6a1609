import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Actor } from '../shared/actor';
import { Id } from '../shared/primitives';
import { RepoRef } from '../shared/repo';

export const IngestionScanRepoV1 = defineMessage({
  kind: 'command',
  service: 'ingestion',
  name: 'scan_repo',
  version: 1,
  producer: 'gateway',
  consumers: ['ingestion'],
  summary: "Scan a project's repository: toolchains, test commands, layout, at a given ref.",
  data: Type.Object({
    jobId: Id('Ingestion job id chosen by the sender, so a resent command resumes the same job'),
    projectId: Id('Project the repository belongs to'),
    repo: RepoRef,
    ref: Type.Optional(
      Type.String({
        maxLength: 255,
        description: 'Branch, tag or commit to scan; default branch when absent',
      }),
    ),
    requestedBy: Actor,
  }),
});
export type IngestionScanRepoV1 = Static<typeof IngestionScanRepoV1.data>;
