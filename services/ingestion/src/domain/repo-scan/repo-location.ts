import { RepoLocationRefusedError } from './repo-scan-errors';

/**
 * Which repository locations a scan may read (issue 13 item 5). A location arrives in a message, so
 * it is checked before anything is opened: a local path must resolve (realpath: `..` and symlinks
 * followed) inside one of the roots the operator configured; a remote one must be https, ssh or git
 * (never file://, which is a local path in disguise, nor plain http). The filesystem is asked by the
 * app through a port; the rules here are pure.
 */

/** A URL scheme, or scp-like `user@host:path`. */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
const SCP_LIKE = /^[^/\\\s]+@[^/\\\s]+:/;
const REMOTE_SCHEMES = new Set(['https', 'ssh', 'git']);

export type RepoLocation =
  | { readonly kind: 'local'; readonly path: string }
  /** `key`: the location normalized, so one repository written two ways is one registration. */
  | { readonly kind: 'remote'; readonly key: string };

/** Classifies a location; throws RepoLocationRefusedError for a scheme or path that is never allowed. */
export function classifyRepoLocation(location: string): RepoLocation {
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!REMOTE_SCHEMES.has(scheme)) {
      throw new RepoLocationRefusedError(
        location,
        `the ${scheme}:// scheme is not allowed; a remote repository is https://, ssh:// or git://` +
          (scheme === 'file' ? ', and a local one is a path under the allowed roots' : ''),
      );
    }
    return { kind: 'remote', key: normalizeRemote(location) };
  }
  if (SCP_LIKE.test(location)) return { kind: 'remote', key: normalizeRemote(location) };
  if (!location.startsWith('/')) {
    throw new RepoLocationRefusedError(location, 'a local repository is given by an absolute path');
  }
  return { kind: 'local', path: location };
}

/** Lower-case host, no trailing slash or `.git`: `https://Host/org/repo.git/` is `https://host/org/repo`. */
function normalizeRemote(location: string): string {
  const trimmed = location.replace(/\/+$/, '').replace(/\.git$/, '');
  return trimmed.replace(
    /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/:]+)/,
    (_m, scheme: string | undefined, host: string) => `${(scheme ?? '').toLowerCase()}${host.toLowerCase()}`,
  );
}

/** True when `realPath` is one of `realRoots` or below one (both already resolved with realpath). */
export function isUnderRoot(realPath: string, realRoots: readonly string[]): boolean {
  return realRoots.some((root) => {
    const base = root.endsWith('/') ? root.slice(0, -1) : root;
    return realPath === base || realPath.startsWith(`${base}/`) || base === '';
  });
}

/** Why a resolved local path is refused, or undefined when it is under a root. */
export function localRefusal(
  location: string,
  realPath: string,
  realRoots: readonly string[],
): string | undefined {
  if (realRoots.length === 0) {
    return 'this service scans no local path: none is allowed (set AUTOPILOT_INGESTION_REPO_ROOTS)';
  }
  if (isUnderRoot(realPath, realRoots)) return undefined;
  const resolved = realPath === location ? '' : ` (it resolves to ${realPath})`;
  return `outside the allowed roots ${realRoots.join(', ')}${resolved}`;
}
