import { firstMatchingGlob } from './gap-path-glob';
import { lineOf, pathEvidence, type GapFinding, type RepoIndex } from './gap-repo-index';
import { baseName } from './gap-snapshot';

/**
 * Protected-path violations: files that hold secrets (or usually do) committed to the repository.
 * Each is its own gap, because each needs its own rotation. A key under a test or fixture
 * directory is most often a throwaway certificate: still reported, but not blocking.
 */

/** Globs of files that must never be committed. */
export const SECRET_FILE_GLOBS: readonly string[] = [
  '**/.env',
  '**/.env.*',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/*.jks',
  '**/*.keystore',
  '**/*.ppk',
  '**/id_rsa',
  '**/id_dsa',
  '**/id_ecdsa',
  '**/id_ed25519',
  '**/.netrc',
  '**/.git-credentials',
  '**/.pypirc',
  '**/credentials.json',
  '**/secrets.json',
  '**/secrets.yml',
  '**/secrets.yaml',
  '**/secrets.toml',
  '**/secrets.env',
  '**/secrets/**',
  '**/*.tfstate',
  '**/*.tfstate.backup',
];

/** `.env.example` and friends document variables; they hold no values. */
const TEMPLATE_SUFFIX = /\.(example|sample|template|dist|defaults|schema)$/i;
const FIXTURE_SEGMENT =
  /(^|\/)(test|tests|__tests__|spec|fixtures|__fixtures__|testdata|test-data|examples?)\//;
/** An auth line in an .npmrc: `//registry/:_authToken=...`, `_auth=`, `_password=`. */
const NPMRC_SECRET = /(_authToken|_auth|_password)\s*=\s*\S/;

export function secretGaps(index: RepoIndex): GapFinding[] {
  const gaps: GapFinding[] = [];
  for (const file of index.files) {
    const base = baseName(file.path);
    let reason: string | undefined;
    let line: number | undefined;
    if (base === '.npmrc') {
      line = file.content === undefined ? undefined : lineOf(file.content, NPMRC_SECRET);
      if (line !== undefined) reason = 'an .npmrc with a registry credential';
    } else {
      const glob = firstMatchingGlob(file.path, SECRET_FILE_GLOBS);
      if (glob !== undefined && !TEMPLATE_SUFFIX.test(base)) reason = `a file matching ${glob}`;
    }
    if (reason === undefined) continue;
    const fixture = FIXTURE_SEGMENT.test(file.path);
    gaps.push({
      kind: 'protected_path_violation',
      key: file.path,
      title: `Secrets file committed: ${file.path}`,
      detail:
        `${file.path} is ${reason}. Whatever it holds is in the git history for good: rotate it, ` +
        'remove the file and ignore it.' +
        (fixture ? ' It sits in a test or fixture directory, so it may be a throwaway.' : ''),
      evidence: [pathEvidence(file.path, line)],
      risk: fixture ? 'medium' : 'high',
      blocking: !fixture,
    });
  }
  return gaps;
}
