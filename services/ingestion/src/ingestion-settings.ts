import { isAbsolute } from 'node:path';
import { ConfigError } from '@autopilot/kernel';
import { defineSettings, setting } from '@autopilot/runtime';

/** The environment variable of the local roots a repository scan may read. */
export const REPO_ROOTS_ENV = 'AUTOPILOT_INGESTION_REPO_ROOTS';

/** What the ingestion module builds its repository-location guard from. */
export interface IngestionSettings {
  /**
   * Absolute directories under which a local repository may be scanned (resolved with realpath when
   * a scan is checked, so `..` and symlinks cannot leave them). Empty: no local path is scanned.
   */
  readonly repoRoots: readonly string[];
}

/**
 * The ingestion service's settings. A deployed service scans no local path unless its operator
 * lists the roots it may read: `ingestion.scan_repo` arrives over the bus, and a path in a message
 * must not open the host's disk (issue 13 item 5). `autopilot plan --repo <path>` lists its own
 * `--repo` (the person running it chose that directory).
 */
export const ingestionSettings = defineSettings(
  {
    repoRoots: setting.text({
      env: REPO_ROOTS_ENV,
      description:
        'local directories a repository scan may read, absolute, comma- or colon-separated (`..` and symlinks resolved)',
      defaultText: 'unset: no local path (`autopilot plan` allows its `--repo`)',
    }),
  },
  (v): IngestionSettings => ({ repoRoots: parseRepoRoots(v.repoRoots) }),
);

/** `a,b` or `a:b` (PATH style); each an absolute path. Throws ConfigError naming the variable. */
export function parseRepoRoots(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const roots = raw
    .split(/[,:]/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const root of roots) {
    if (!isAbsolute(root)) throw new ConfigError(REPO_ROOTS_ENV, `"${root}" is not an absolute path`);
  }
  return roots;
}
