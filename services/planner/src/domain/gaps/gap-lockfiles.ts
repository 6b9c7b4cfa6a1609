import { lineOf, packageManifests, pathEvidence, type GapFinding, type RepoIndex } from './gap-repo-index';
import { dirName } from './gap-snapshot';

/**
 * Lockfile drift: a root package.json with dependencies but no lockfile (installs are not
 * reproducible), two package managers' lockfiles side by side (which one wins depends on who runs
 * install), a lockfile of another manager than `packageManager` names, and Pipfile / Gemfile /
 * composer.json without their locks. Lockfiles older than their manifest in git history are not
 * judged: that needs the history, and the scanner reads one tree.
 */

const NODE_LOCKFILES: Readonly<Record<string, string>> = {
  'package-lock.json': 'npm',
  'npm-shrinkwrap.json': 'npm',
  'yarn.lock': 'yarn',
  'pnpm-lock.yaml': 'pnpm',
  'bun.lockb': 'bun',
  'bun.lock': 'bun',
};
const OTHER_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['Pipfile', 'Pipfile.lock'],
  ['Gemfile', 'Gemfile.lock'],
  ['composer.json', 'composer.lock'],
];

export function lockfileGaps(index: RepoIndex): GapFinding[] {
  const gaps: GapFinding[] = [];
  const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

  for (const manifest of packageManifests(index)) {
    const dir = dirName(manifest.path);
    const locks = Object.keys(NODE_LOCKFILES)
      .filter((name) => index.byPath.has(join(dir, name)))
      .map((name) => join(dir, name));
    const managers = [...new Set(locks.map((p) => NODE_LOCKFILES[p.slice(p.lastIndexOf('/') + 1)]!))];

    if (locks.length === 0 && dir === '' && manifest.dependencyCount > 0) {
      gaps.push({
        kind: 'lockfile_drift',
        key: `missing:${manifest.path}`,
        title: `${manifest.path} has dependencies but no lockfile`,
        detail: `${manifest.dependencyCount} dependencies and no lockfile: every install may resolve different versions.`,
        evidence: [pathEvidence(manifest.path, lineOf(manifest.content, /"(dev)?[dD]ependencies"/))],
        risk: 'medium',
        blocking: false,
      });
    }
    if (managers.length > 1) {
      gaps.push({
        kind: 'lockfile_drift',
        key: `several:${dir}`,
        title: `Lockfiles of ${managers.join(' and ')} side by side in ${dir || 'the root'}`,
        detail: `${locks.join(', ')}: which one is honoured depends on who runs install. Keep one.`,
        evidence: locks.map((p) => pathEvidence(p)),
        risk: 'medium',
        blocking: false,
      });
    }
    const declared = manifest.packageManager?.split('@')[0];
    if (declared !== undefined && locks.length > 0 && !managers.includes(declared)) {
      gaps.push({
        kind: 'lockfile_drift',
        key: `manager:${manifest.path}`,
        title: `${manifest.path} names ${declared}, but the lockfile is ${managers.join(', ')}'s`,
        detail: `"packageManager": "${manifest.packageManager}" disagrees with ${locks.join(', ')}.`,
        evidence: [
          pathEvidence(manifest.path, lineOf(manifest.content, '"packageManager"')),
          ...locks.map((p) => pathEvidence(p)),
        ],
        risk: 'medium',
        blocking: false,
      });
    }
  }

  for (const file of index.files) {
    const base = file.path.slice(file.path.lastIndexOf('/') + 1);
    const pair = OTHER_PAIRS.find(([manifest]) => manifest === base);
    if (pair === undefined || file.path.includes('node_modules/') || file.path.includes('vendor/')) continue;
    const lock = join(dirName(file.path), pair[1]);
    if (index.byPath.has(lock)) continue;
    gaps.push({
      kind: 'lockfile_drift',
      key: `missing:${file.path}`,
      title: `${file.path} has no ${pair[1]}`,
      detail: `Without ${lock}, every install may resolve different versions.`,
      evidence: [pathEvidence(file.path)],
      risk: 'medium',
      blocking: false,
    });
  }
  return gaps;
}
