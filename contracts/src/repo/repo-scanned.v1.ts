import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { CommandArgv } from '../shared/command-argv';
import { CommitSha, Count, Id, Timestamp } from '../shared/primitives';
import { RepoRef } from '../shared/repo';

/** A build toolchain found in the repository and the commands it offers. */
export const Toolchain = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, description: 'node, python, go, rust, java, ...' }),
    manifestPath: Type.String({
      maxLength: 1024,
      description: 'The file it was detected from: package.json, pyproject.toml',
    }),
    testCommand: Type.Optional(CommandArgv),
    buildCommand: Type.Optional(CommandArgv),
    lintCommand: Type.Optional(CommandArgv),
  },
  { description: 'A detected toolchain' },
);
export type Toolchain = Static<typeof Toolchain>;

export const RepoScannedV1 = defineMessage({
  kind: 'event',
  aggregate: 'repo',
  name: 'scanned',
  version: 1,
  producer: 'ingestion',
  consumers: ['planner', 'gateway'],
  summary: "A project's repository was scanned: commit, toolchains, languages and layout.",
  data: Type.Object({
    projectId: Id('Project'),
    jobId: Id('The ingestion job that scanned it'),
    repo: RepoRef,
    commit: CommitSha('The commit scanned'),
    toolchains: Type.Array(Toolchain, { maxItems: 50 }),
    languages: Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 64 }),
        files: Count('Files in that language'),
      }),
      { maxItems: 100, description: 'Languages by file count, most first' },
    ),
    fileCount: Count('Tracked files'),
    topLevelPaths: Type.Array(Type.String({ maxLength: 1024 }), {
      maxItems: 1000,
      description: 'Entries at the repository root, for the planner to place work',
    }),
    scannedAt: Timestamp('When the scan finished'),
  }),
});
export type RepoScannedV1 = Static<typeof RepoScannedV1.data>;
