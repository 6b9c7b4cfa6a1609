import { fakeSecrets, pseudoRandom } from './testing';
import {
  findSecrets,
  isSecretPath,
  mergeSecretFindings,
  redactSecrets,
  SECRET_RULES,
  SECRET_RULES_VERSION,
  secretMarker,
} from './index';

const s = fakeSecrets();

/** The rule that names the only finding in `text`, with the found text. */
function only(text: string): { rule: string; found: string } {
  const findings = findSecrets(text);
  expect(findings).toHaveLength(1);
  const [f] = findings;
  return { rule: f!.rule, found: text.slice(f!.start, f!.end) };
}

describe('findSecrets: the ported gitleaks / secretlint rules', () => {
  it.each([
    ['github-pat', `export GITHUB_TOKEN=${s.githubToken}`, s.githubToken],
    ['aws-access-token', `aws_access_key_id = ${s.awsAccessKeyId}`, s.awsAccessKeyId],
    ['aws-secret-access-key', `AWS_SECRET_ACCESS_KEY=${s.awsSecretAccessKey}`, s.awsSecretAccessKey],
    ['openai-api-key', `Use the key ${s.openAiKey} for the model.`, s.openAiKey],
    ['anthropic-api-key', `ANTHROPIC_API_KEY: "${s.anthropicKey}"`, s.anthropicKey],
    ['stripe-access-token', `charge with ${s.stripeKey} in production`, s.stripeKey],
    ['slack-bot-token', `slack: ${s.slackToken}`, s.slackToken],
    ['gitlab-pat', `clone with ${s.gitlabToken}`, s.gitlabToken],
    ['gcp-api-key', `maps key ${s.googleApiKey}.`, s.googleApiKey],
    ['npm-access-token', `//registry.npmjs.org/:_authToken=${s.npmToken}`, s.npmToken],
    ['jwt', `Authorization: Bearer ${s.jwt}`, s.jwt],
    ['private-key', `Deploy key:\n\n${s.privateKeyPem}\n\nThen restart.`, s.privateKeyPem],
    ['generic-secret', `DB_PASSWORD = "${s.password}"`, s.password],
    ['url-credentials', `postgres://app:${s.urlPassword}@db.internal:5432/shop`, s.urlPassword],
  ])('%s', (rule, text, secret) => {
    expect(only(text)).toEqual({ rule, found: secret });
  });

  it('a private key pasted without its END line is still found, every line of it', () => {
    const begin = s.privateKeyPem.split('\n')[0]!;
    const text = `Key:\n${begin}\n${s.privateKeyLines.join('\n')}\n\nThe rest of the plan.`;
    const { rule, found } = only(text);
    expect(rule).toBe('private-key');
    for (const line of s.privateKeyLines) expect(found).toContain(line);
    expect(found).not.toContain('The rest');
  });

  it('names an overlap by the more specific rule (a GitHub token assigned to `token`)', () => {
    expect(only(`token = "${s.githubToken}"`)).toEqual({ rule: 'github-pat', found: s.githubToken });
  });

  it('leaves prose, placeholders, variable references and low-entropy values alone', () => {
    const text = [
      'Token: refreshed every hour by the gateway.',
      'The password must be at least 12 characters.',
      'API key: see docs/secret-rotation.md',
      'password = "${DB_PASSWORD}"',
      'api_key: <your-api-key-here>',
      'secret: process.env.SESSION_SECRET',
      'token = "xxxxxxxxxxxxxxxx"',
      'Connect to postgres://app:${PGPASSWORD}@db/shop or https://user:***@host/x.',
      'The access-key rotation runs monthly; keys are 40 characters.',
      'See https://github.com/org/repo and `src/auth/token.ts`.',
      'Write `src/config/secrets.ts` with its test.',
      'The key point: eyes on the monitoring dashboard.',
    ].join('\n');
    expect(findSecrets(text)).toEqual([]);
  });

  it('finds every secret of a document, in order, and redaction keeps the line count', () => {
    const text = [
      '# Deploy',
      `GITHUB_TOKEN=${s.githubToken}`,
      s.privateKeyPem,
      `password: ${s.password}`,
    ].join('\n');
    const findings = findSecrets(text);
    expect(findings.map((f) => f.rule)).toEqual(['github-pat', 'private-key', 'generic-secret']);
    const redacted = redactSecrets(text, findings);
    expect(redacted.split('\n')).toHaveLength(text.split('\n').length);
    expect(redacted).toContain(`GITHUB_TOKEN=${secretMarker('github-pat')}`);
    expect(redacted).toContain(`password: ${secretMarker('generic-secret')}`);
    for (const secret of [s.githubToken, s.password, ...s.privateKeyLines])
      expect(redacted).not.toContain(secret);
  });

  it('merges findings from two scans into ordered ranges without overlaps', () => {
    expect(
      mergeSecretFindings([
        { rule: 'a', start: 10, end: 20 },
        { rule: 'b', start: 0, end: 5 },
        { rule: 'c', start: 15, end: 30 },
      ]),
    ).toEqual([
      { rule: 'b', start: 0, end: 5 },
      { rule: 'a', start: 10, end: 30 },
    ]);
  });

  it('stays linear on hostile input: long runs of what every rule starts with', () => {
    const hostile = [
      '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(2000),
      'password = '.repeat(20_000),
      `ey${'a'.repeat(200_000)}`,
      `postgres://${'u'.repeat(100)}:${'p'.repeat(200_000)}`,
      'AKIA'.repeat(50_000),
      'ghp_'.repeat(50_000),
    ].join('\n');
    // A budget in work, not time: the scan returns, and its result is bounded by the input.
    const findings = findSecrets(hostile);
    expect(findings.length).toBeLessThan(hostile.length);
  });

  it('is versioned and names its sources in every rule', () => {
    expect(SECRET_RULES_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    for (const rule of SECRET_RULES) {
      expect(rule.source).not.toBe('');
      expect(rule.pattern.flags).toContain('g');
      expect(rule.pattern.flags).toContain('d');
    }
  });

  it('pseudoRandom is deterministic', () => {
    expect(pseudoRandom(7, 12)).toBe(pseudoRandom(7, 12));
    expect(pseudoRandom(7, 12)).not.toBe(pseudoRandom(8, 12));
  });
});

describe('isSecretPath: never part of a task scope', () => {
  it.each([
    '.git',
    '.git/',
    '.git/**',
    '.git/hooks/pre-commit',
    'vendor/lib/.git/config',
    '.env',
    '.env.production',
    'services/api/.env.local',
    'production.env',
    'deploy/tls.key',
    'certs/server.pem',
    'id_rsa',
    'id_rsa.pub',
    'home/.ssh/id_ed25519',
    '.npmrc',
    '.aws/credentials',
    '.aws/config',
    'infra/terraform.tfstate',
    'config/secrets.yml',
    '.git-credentials',
  ])('%s', (path) => expect(isSecretPath(path)).toBe(true));

  it.each([
    'src/auth/login.ts',
    'src/',
    '.github/workflows/ci.yml',
    '.gitignore',
    '.gitattributes',
    '.env.example',
    'docs/keys.md',
    'src/config/secrets.ts',
    'src/keyboard.ts',
    'packages/**',
  ])('not %s', (path) => expect(isSecretPath(path)).toBe(false));
});
