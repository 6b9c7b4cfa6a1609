import { folderOf } from './repo-view';
import { hasPath, mayBeUnlisted, type RepoCheckIndex, type RepoCheckNote } from './repo-check-index';

/** The scope of a task checked against the repository: what stays, and a note per path that did not. */
export interface ScopeCheck {
  readonly kept: readonly string[];
  readonly notes: readonly RepoCheckNote[];
}

const GLOB_CHAR = /[*?[{]/;

/**
 * A scope path checked against the repository (issue 17 item 2):
 * - kept when the repository has it, or the folder it would go in (a new file, or the new folder
 *   of a glob such as `src/cache/**`), or that folder's folder when it is not the root
 *   (`packages/web/src/app.ts` in `packages/web/`);
 * - kept and flagged (`scope_unverified`) when the scan listed too few files to tell, or when it is
 *   a new file or folder in folders that do not exist yet (`.github/workflows/ci.yml` in a
 *   repository without `.github/`): dropping it would make the worker's gate refuse the very file
 *   the blueprint asks for;
 * - dropped (`scope_dropped`) when it is not file-shaped (no extension, no trailing slash, no glob)
 *   and its folders are not there: prose that looked like a path (`docs/backend/frontend/tests`).
 */
export function checkScope(scopePaths: readonly string[], index: RepoCheckIndex): ScopeCheck {
  const kept: string[] = [];
  const notes: RepoCheckNote[] = [];
  for (const scope of scopePaths) {
    const wildcard = scope.search(GLOB_CHAR);
    // A glob stands for its static folder (`src/**/*.ts`: src); a plain path for itself.
    const target = wildcard === -1 ? scope.replace(/\/+$/, '') : folderOf(scope.slice(0, wildcard));
    const parent = folderOf(target);
    const grandparent = folderOf(parent);
    if (
      hasPath(index, target) ||
      hasPath(index, parent) ||
      (grandparent !== '' && hasPath(index, grandparent))
    ) {
      kept.push(scope);
    } else if (mayBeUnlisted(index, target)) {
      kept.push(scope);
      notes.push({
        kind: 'scope_unverified',
        subject: scope,
        reason: clip(
          `not among the ${index.view.files.length} of ${index.view.fileCount} files the scan at ` +
            `${index.at} listed; kept without checking`,
        ),
      });
    } else if (wildcard !== -1 || scope.endsWith('/') || FILE_NAME.test(target.slice(parent.length))) {
      kept.push(scope);
      notes.push({
        kind: 'scope_unverified',
        subject: scope,
        reason: clip(
          `a new ${wildcard !== -1 || scope.endsWith('/') ? 'folder' : 'file'} in folders the repository at ` +
            `${index.at} does not have yet (\`${parent}/\`); kept: check the path is meant`,
        ),
      });
    } else {
      notes.push({
        kind: 'scope_dropped',
        subject: scope,
        reason: clip(
          `the repository at ${index.at} has neither \`${target}\` nor the folder \`${parent}/\` it would be ` +
            `in, and it does not name a file; dropped from the scope (name the real path in the blueprint to keep it)`,
        ),
      });
    }
  }
  // An empty scope means "anywhere" to the worker's gate: a task whose every path would go keeps
  // them, flagged, rather than lose its bounds.
  if (kept.length === 0 && scopePaths.length > 0) {
    return {
      kept: [...scopePaths],
      notes: notes.map((n) =>
        n.kind === 'scope_dropped'
          ? {
              kind: 'scope_unverified' as const,
              subject: n.subject,
              reason: clip(
                `${n.reason.replace(/; dropped from the scope.*$/, '')}; kept, as every path of the task would go ` +
                  `and an empty scope would not bound it: name the real paths in the blueprint`,
              ),
            }
          : n,
      ),
    };
  }
  return { kept, notes };
}

/** The last segment of a path that names a file: an extension, or a dotfile (`/.env`). */
const FILE_NAME = /(^|\/)(\.[\w-]+|[^/]*\.[A-Za-z0-9]{1,10})$/;

export function clip(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
