import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Sha256 } from '../shared/blueprint-text';
import { CommandArgv } from '../shared/command-argv';
import { CommitSha, Count, Id, Timestamp } from '../shared/primitives';
import { RepoFile, RepoPath, RepoRef } from '../shared/repo';

/** Why a toolchain or one of its commands was chosen: a file, and where in it, a person can open. */
export const ToolchainEvidence = Type.Object(
  {
    path: RepoPath('The file that decided it, from the repository root'),
    line: Type.Optional(Type.Integer({ minimum: 1, description: '1-based line in that file' })),
    field: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'The field or section that decided it: scripts.test, [tool.pytest.ini_options]',
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 300, description: 'What it decided' }),
  },
  { description: 'Evidence for a detection' },
);
export type ToolchainEvidence = Static<typeof ToolchainEvidence>;

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
    installCommand: Type.Optional(CommandArgv),
    directory: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "Where its commands run, from the repository root; '.' for the root",
      }),
    ),
    tool: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'The package manager or build tool: npm, pnpm, yarn, pip, poetry, uv, go, cargo, maven, gradle',
      }),
    ),
    workspaces: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
        maxItems: 200,
        description:
          'Workspace or module globs it covers (npm/pnpm/yarn workspaces, Cargo members, Maven modules)',
      }),
    ),
    evidence: Type.Optional(
      Type.Array(ToolchainEvidence, {
        maxItems: 30,
        description: 'Why it was detected and why each command was chosen',
      }),
    ),
  },
  { description: 'A detected toolchain' },
);
export type Toolchain = Static<typeof Toolchain>;

/** Bounds of `fileTexts`: each text, and all of them together (the producer keeps the shallowest). */
export const REPO_FILE_TEXT_LIMITS = {
  maxChars: 256 * 1024,
  maxTotalChars: 512 * 1024,
  maxCount: 200,
} as const;

/** The text of one file, for consumers that judge a repository by what its files say. */
export const RepoFileText = Type.Object(
  {
    path: RepoPath('The file, from the repository root'),
    text: Type.String({
      maxLength: REPO_FILE_TEXT_LIMITS.maxChars,
      description: 'UTF-8 text (invalid bytes replaced); credential values in .npmrc files are masked as ***',
    }),
    truncated: Type.Optional(
      Type.Boolean({ description: 'True when the file is longer and `text` is its beginning' }),
    ),
  },
  { description: "A file's text" },
);
export type RepoFileText = Static<typeof RepoFileText>;

/** Something the scan could not use, for a person to fix: an unparseable or oversized manifest. */
export const RepoScanProblem = Type.Object(
  {
    path: RepoPath('The file concerned'),
    message: Type.String({ minLength: 1, maxLength: 500, description: 'What was wrong with it' }),
  },
  { description: 'A problem met while scanning' },
);
export type RepoScanProblem = Static<typeof RepoScanProblem>;

export const RepoScannedV1 = defineMessage({
  kind: 'event',
  aggregate: 'repo',
  name: 'scanned',
  version: 1,
  producer: 'ingestion',
  consumers: ['planner', 'governance', 'gateway'],
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
      description: 'Entries at the repository root, for the planner to place work; directories end in /',
    }),
    scannedAt: Timestamp('When the scan finished'),
    ref: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'The ref scanned, as the command named it' }),
    ),
    snapshotHash: Type.Optional(
      Sha256('sha256 over every path and content hash: equal hashes, equal file trees'),
    ),
    files: Type.Optional(
      Type.Array(RepoFile, {
        maxItems: 2000,
        description:
          'File inventory in path order; when the repository has more, the shallowest paths are kept (filesTruncated)',
      }),
    ),
    filesTruncated: Type.Optional(
      Type.Boolean({ description: 'True when `files` holds fewer files than fileCount' }),
    ),
    problems: Type.Optional(Type.Array(RepoScanProblem, { maxItems: 100 })),
    // Optional since issue 12: what the planner's gap scanner reads, so it never re-reads the repository.
    fileTexts: Type.Optional(
      Type.Array(RepoFileText, {
        maxItems: REPO_FILE_TEXT_LIMITS.maxCount,
        description:
          'Texts of the root README and of the package.json and .npmrc files outside dependency and ' +
          `fixture directories, in path order; at most ${REPO_FILE_TEXT_LIMITS.maxTotalChars} characters ` +
          'in all, the shallowest files first (fileTextsTruncated)',
      }),
    ),
    fileTextsTruncated: Type.Optional(
      Type.Boolean({ description: 'True when some such files were left out of `fileTexts` for its bounds' }),
    ),
    reusedFromJobId: Type.Optional(
      Id('The earlier scan job whose result was reused because the snapshot hash was unchanged'),
    ),
  }),
});
export type RepoScannedV1 = Static<typeof RepoScannedV1.data>;
