import { MAX_EVIDENCE, pathEvidence, type GapFinding, type RepoIndex } from './gap-repo-index';
import { baseName, HUGE_FILE_BYTES, LARGE_FILE_BYTES } from './gap-snapshot';

/**
 * Clutter: too many loose files at the root, stray logs / temp files / backups / OS droppings
 * committed anywhere, committed dependency or cache directories, and large binaries. None of these
 * blocks autopilot; they make its work (and a reviewer's) slower and noisier.
 */

/** More loose files than this at the root is clutter; typical projects keep 10 to 25. */
export const ROOT_FILE_LIMIT = 30;

const STRAY_NAME =
  /(\.log|\.tmp|\.temp|\.bak|\.orig|\.rej|\.swp|\.swo|~)$|^(\.DS_Store|Thumbs\.db|desktop\.ini|nohup\.out|npm-debug\.log.*|yarn-error\.log.*)$|\.py[co]$/;
/** Directories that are generated or installed, never authored. */
const STRAY_DIR = /(^|\/)(node_modules|__pycache__|\.pytest_cache|\.mypy_cache)\//;

export function clutterGaps(index: RepoIndex): GapFinding[] {
  const gaps: GapFinding[] = [];

  if (index.rootFiles.length > ROOT_FILE_LIMIT) {
    gaps.push({
      kind: 'root_clutter',
      key: 'root',
      title: `${index.rootFiles.length} loose files at the repository root`,
      detail:
        `The root holds ${index.rootFiles.length} files (more than ${ROOT_FILE_LIMIT}); ` +
        'move scripts, notes and configs into folders so the layout says what matters.',
      evidence: index.rootFiles.slice(0, MAX_EVIDENCE).map((f) => pathEvidence(f.path)),
      risk: 'low',
      blocking: false,
    });
  }

  const strays: string[] = [];
  const strayDirs = new Set<string>();
  for (const file of index.files) {
    const dir = STRAY_DIR.exec(file.path);
    if (dir !== null) {
      strayDirs.add(file.path.slice(0, dir.index + dir[0].length));
    } else if (STRAY_NAME.test(baseName(file.path))) {
      strays.push(file.path);
    }
  }
  const strayPaths = [...[...strayDirs].sort(), ...strays];
  if (strayPaths.length > 0) {
    gaps.push({
      kind: 'stray_files',
      key: 'stray',
      title: `${strayPaths.length} stray file(s) or generated director(ies) committed`,
      detail:
        'Logs, temporary files, backups, editor and OS droppings, or installed dependencies are tracked: ' +
        strayPaths.slice(0, 10).join(', ') +
        (strayPaths.length > 10 ? `, and ${strayPaths.length - 10} more` : '') +
        '. Remove them from git and add them to .gitignore.',
      evidence: strayPaths.slice(0, MAX_EVIDENCE).map((p) => pathEvidence(p)),
      risk: strayDirs.size > 0 ? 'medium' : 'low',
      blocking: false,
    });
  }

  const large = index.files.filter(
    (f) => f.size >= HUGE_FILE_BYTES || (f.size >= LARGE_FILE_BYTES && f.binary),
  );
  if (large.length > 0) {
    gaps.push({
      kind: 'large_binary',
      key: 'large',
      title: `${large.length} large file(s) committed`,
      detail:
        `Binaries of ${LARGE_FILE_BYTES / 1024 / 1024} MiB or more, or any file of ${HUGE_FILE_BYTES / 1024 / 1024} MiB ` +
        'or more, bloat every clone and worktree. Move them to Git LFS or an artifact store.',
      evidence: large
        .slice(0, MAX_EVIDENCE)
        .map((f) => pathEvidence(f.path, undefined, `${mebibytes(f.size)} MiB${f.binary ? ', binary' : ''}`)),
      risk: 'medium',
      blocking: false,
    });
  }
  return gaps;
}

function mebibytes(bytes: number): string {
  return (Math.round((bytes / 1024 / 1024) * 10) / 10).toFixed(1);
}
