/**
 * Files that hold secrets (or usually do) and git's own directory: never part of a task's scope,
 * whatever a blueprint says. The same list gitleaks skips and the scanners warn about, plus git's
 * internals (a task that edits `.git/` can rewrite history or hooks).
 */

/** Base names of secret files, exact. */
const SECRET_BASENAMES = new Set([
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.git-credentials',
  '.htpasswd',
  '.pgpass',
  '.s3cfg',
  'credentials.json',
  'secrets.json',
  'secrets.yml',
  'secrets.yaml',
  'secrets.toml',
  'secrets.env',
  'terraform.tfvars',
]);

/** Base names by shape: env files, keys and certificates with private parts, SSH identities, state. */
const SECRET_BASENAME_PATTERNS: readonly RegExp[] = [
  /^\.env(?:\..+)?$/i,
  /^[^.]*\.env$/i,
  /\.(?:pem|key|p12|pfx|jks|keystore|ppk|gpg|kdbx|tfstate|tfstate\.backup)$/i,
  /^id_(?:rsa|dsa|ecdsa|ed25519)(?:\..+)?$/i,
];

/** Directories whose contents are secrets or git internals, as path segments. */
const SECRET_DIRECTORIES = new Set(['.git', '.ssh', '.aws', '.gnupg', '.docker', '.kube']);

/** `.env.example` and friends document variables and hold no values: they may be edited. */
const TEMPLATE_SUFFIX = /\.(?:example|sample|template|dist|defaults|schema)$/i;

/**
 * True for a repository-relative path (or glob, or directory ending in `/`) that names git's
 * directory, a secret file or anything under a secret directory: `.git/hooks/pre-commit`, `.git/**`,
 * `.env.production`, `deploy/tls.key`, `id_rsa.pub`, `.aws/credentials`, `.npmrc`.
 */
export function isSecretPath(path: string): boolean {
  const segments = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) return false;
  if (segments.some((s) => SECRET_DIRECTORIES.has(s.toLowerCase()))) return true;
  const base = segments[segments.length - 1]!;
  if (base === '**' || base === '*') return false;
  if (TEMPLATE_SUFFIX.test(base)) return false;
  return SECRET_BASENAMES.has(base.toLowerCase()) || SECRET_BASENAME_PATTERNS.some((p) => p.test(base));
}
