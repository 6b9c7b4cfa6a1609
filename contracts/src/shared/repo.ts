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
