import { isGitEnvKey } from '@simple-git/argv-parser';

/**
 * What every git process gets on top of the caller's environment: no prompt for credentials (a
 * service has no terminal; a prompt would hang until the timeout), no optional index locks (a read
 * must not write to the repository, not even the index's stat cache), no system-wide config (an
 * image's /etc/gitconfig is not the project's), and the C locale so messages parse the same
 * everywhere. There is no pager to turn off: git pages only to a terminal, and its output is a pipe.
 */
export const GIT_ENVIRONMENT: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

/** The `GIT_*` names of GIT_ENVIRONMENT, which simple-git's environment guard must let through. */
export const ALLOWED_GIT_VARIABLES: readonly string[] = Object.keys(GIT_ENVIRONMENT).filter((k) =>
  k.startsWith('GIT_'),
);

/**
 * The environment git runs with: `inherited` without any `GIT_*` variable (an inherited `GIT_DIR`
 * or `GIT_INDEX_FILE`, set when the caller itself runs inside a git hook, would point git at another
 * repository) and without the variables that name programs git would run (`EDITOR`, `PAGER`,
 * `SSH_ASKPASS`, ... as simple-git's guard lists them: it refuses a task that passes one), plus
 * GIT_ENVIRONMENT. The global config (`~/.gitconfig`) stays: it is where `safe.directory` lives.
 */
export function gitEnvironment(inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (lower.startsWith('git_') || isGitEnvKey(lower)) continue;
    env[key] = value;
  }
  return { ...env, ...GIT_ENVIRONMENT };
}
