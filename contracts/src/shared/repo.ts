import { Type, type Static } from '@sinclair/typebox';

/**
 * A git repository by location. The pattern refuses credentials in a URL (`https://token@…`,
 * `scheme://user:password@…`): they come from the service's environment, never from a message
 * (DESIGN.md section 6). `ssh://git@host/…` and `git@host:org/repo` carry no secret and pass.
 */
export const RepoLocation = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^(?![hH][tT][tT][pP][sS]?://[^/]*@)(?![a-zA-Z][a-zA-Z0-9+.-]*://[^/@]*:[^/@]*@)',
  description: 'Local path or clone URL, without credentials',
});

export const RepoRef = Type.Object(
  {
    location: RepoLocation,
    defaultBranch: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The branch nothing is ever merged into automatically, e.g. main',
    }),
  },
  { description: 'The git repository a project works on' },
);
export type RepoRef = Static<typeof RepoRef>;

/** A path inside a repository: relative to its root, `/`-separated, never `..` or absolute. */
export const RepoPath = (description: string) =>
  Type.String({ minLength: 1, maxLength: 1024, pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))', description });

/** Files at least this large are checked for being binary when a scan lists them (`RepoFile.binary`). */
export const REPO_LARGE_FILE_BYTES = 1024 * 1024;

/**
 * One file of a repository snapshot. `hash` is the git blob id of its content (what `git ls-files -s`
 * prints; computed the same way for a directory that is not a git repository), so an unchanged
 * file keeps its hash across scans and copies.
 */
export const RepoFile = Type.Object(
  {
    path: RepoPath('Path from the repository root'),
    hash: Type.String({
      pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$',
      description: 'Git blob id of the content (SHA-1, or SHA-256 in a SHA-256 repository)',
    }),
    // Optional since issue 12: the planner's gap scanner judges large files from the scan alone.
    size: Type.Optional(Type.Integer({ minimum: 0, description: 'Size of the content in bytes' })),
    binary: Type.Optional(
      Type.Boolean({
        description:
          "Git's test for binary content (a NUL byte in the first 8000 bytes); given for files of at " +
          `least ${REPO_LARGE_FILE_BYTES} bytes, absent for smaller ones`,
      }),
    ),
  },
  { description: 'A file and the hash of its content' },
);
export type RepoFile = Static<typeof RepoFile>;
