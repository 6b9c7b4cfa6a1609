/**
 * The rule table: which text is secret-shaped. Ported, not invented: each rule names the rule of
 * the scanner it comes from, so the table can be compared with (and updated from) its sources:
 *
 * - gitleaks `config/gitleaks.toml` (MIT, https://github.com/gitleaks/gitleaks), rules as of v8.28.
 *   Ported where the regex is written with `(?i)` inline flags, lazy unbounded prefixes or RE2-only
 *   syntax: here every repetition is bounded (a 3 MB blueprint must scan in linear time: no rule
 *   backtracks more than a few hundred characters per candidate) and the secret is group 1 (or the
 *   whole match) as gitleaks' `secretGroup`.
 * - secretlint `@secretlint/secretlint-rule-preset-recommend` (MIT, https://github.com/secretlint/secretlint)
 *   v9: the AWS secret access key assignment and credentials in URLs (its `basicauth` rule), which
 *   gitleaks leaves to its generic rule.
 *
 * Why a port and not the packages themselves: secretlint 10+ needs Node 22 and is ESM-only and
 * asynchronous, 9.x is unmaintained for Node 20 and lacks Stripe, GitLab, JWT and the generic
 * assignment rule; gitleaks ships as a Go binary, its rules as TOML in Go's regex dialect (RE2),
 * which JavaScript's engine does not run as written.
 *
 * To update: compare each rule with its source at a newer version, port what changed, raise
 * SECRET_RULES_VERSION (stored findings name the version that produced them) and add a case for
 * the new shape to secret-scan.test.ts.
 */

/** Bump on any change to a rule's pattern, threshold or id. */
export const SECRET_RULES_VERSION = '1.0.0';

/** What produced the table, for a person checking it against its sources. */
export const SECRET_RULE_SOURCES = [
  'gitleaks v8.28 config/gitleaks.toml (MIT)',
  'secretlint v9 preset-recommend (MIT)',
];

export interface SecretRule {
  /** Stable id (the source's id where it has one): the marker `[redacted: <id>]` names it. */
  readonly id: string;
  /** What the secret is, in words a warning can show. Never the secret. */
  readonly description: string;
  /** The source rule it was ported from. */
  readonly source: string;
  /**
   * Global (`g`) with indices (`d`). The secret is capture group 1 when the pattern has one (the
   * value of an assignment), else the whole match.
   */
  readonly pattern: RegExp;
  /**
   * Lower-case literals of which at least one must occur in the text before the pattern runs
   * (gitleaks' `keywords`): most rules then cost one substring search on a text without them.
   * Every match holds one of them, so the gate never changes what is found (a rescan of part of a
   * text relies on it).
   */
  readonly keywords: readonly string[];
  /** Least Shannon entropy (bits per character) of the secret; lower is a placeholder, not a key. */
  readonly minEntropy?: number;
  /** A candidate that is not a secret after all (a placeholder, a variable reference). */
  readonly ignore?: (secret: string) => boolean;
  /**
   * Set on a rule whose match may hold a line break (a PEM block). A rule without it never matches a
   * line break (`\n`), and its lookarounds read nothing past the line break after a match, so a line
   * is scanned the same whatever surrounds it. A rescan after an edit (findSecretsAfterEdits) relies
   * on both, and on every match holding one of `keywords`; secret-rescan.test.ts checks the patterns.
   */
  readonly spansLines?: {
    /** Lower-case literal every match starts with. */
    readonly opener: string;
    /** The most characters a match attempt reads from where it starts: its longest match, plus one. */
    readonly reach: number;
  };
}

/** `${VAR}`, `$VAR`, `%VAR%`, `<your-key>`, `{{ secrets.X }}`, `process.env.X`, `***`, `xxxx`. */
function isPlaceholder(value: string): boolean {
  return (
    /^[$%<{[(]/.test(value) ||
    /^(?:process\.env|os\.environ|env\.|secrets\.|vars\.)/i.test(value) ||
    /^(.)\1+$/.test(value) ||
    /(?:\*{3}|x{6}|redacted|changeme|example|placeholder|your[_-])/i.test(value)
  );
}

/** A generic assignment's value must look random: digits and letters mixed, or very high entropy. */
function isWordLike(value: string): boolean {
  if (value.includes('://')) return true; // a URL is an address, not a credential (url-credentials covers those)
  if (/^[a-z]+(?:[._-][a-z]+)*$/i.test(value)) return shannonEntropy(value) < 4;
  return !/\d/.test(value) && shannonEntropy(value) < 4;
}

/** Shannon entropy of `text` in bits per character: ~4.7 for random base62, ~2.5 for English words. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/**
 * What may follow a token in gitleaks' patterns (quote, space, `;`, an escaped line break, the end),
 * plus the punctuation of prose (`.`, `,`, `:`, closing brackets): documents end sentences with them.
 */
const END = '(?=[\\s`\'";,.:)\\]}>]|\\\\[nr]|$)';

/**
 * In priority order: where two rules match overlapping text, the earlier rule names the finding
 * (a GitHub token in `token = "ghp_…"` is `github-pat`, not `generic-secret`).
 */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    // The body: base64, line breaks (`\n` escaped in JSON), headers such as `Proc-Type: 4,ENCRYPTED`;
    // at most 16 KiB (an 8192-bit RSA key is 6.5 KiB), so a BEGIN line without an END costs little.
    id: 'private-key',
    description: 'a private key (PEM block)',
    source: 'gitleaks private-key',
    pattern:
      /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,.-]{16,16384}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/dgi,
    keywords: ['private key'],
    // BEGIN line at most 10 + 100 + 11 + 6 + 5 = 132, body 16384, END line at most 8 + 100 + 11 + 6 + 5 = 130.
    spansLines: { opener: '-----begin', reach: 132 + 16384 + 130 + 1 },
  },
  {
    // A block cut off before its END line (pasted in part): its base64 lines are still the key.
    id: 'private-key',
    description: 'a private key (PEM block without its END line)',
    source: 'gitleaks private-key (truncated block)',
    pattern:
      /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s{1,4}[A-Za-z0-9+/=]{16,128}){1,1024}/dgi,
    keywords: ['private key'],
    // BEGIN line at most 132, then at most 1024 lines of at most 4 + 128.
    spansLines: { opener: '-----begin', reach: 132 + 1024 * 132 + 1 },
  },
  {
    id: 'aws-access-token',
    description: 'an AWS access key id',
    source: 'gitleaks aws-access-token',
    pattern: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/dg,
    keywords: ['a3t', 'akia', 'asia', 'abia', 'acca'],
    minEntropy: 3,
  },
  {
    id: 'aws-secret-access-key',
    description: 'an AWS secret access key',
    source: 'secretlint aws (AWSSecretAccessKey)',
    pattern:
      /(?:aws)?_?secret_?(?:access)?_?key["'`]{0,2}[ \t]{0,5}(?:=|:=|=>|:)[ \t]{0,5}["'`]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi,
    keywords: ['secret'],
    minEntropy: 3,
    ignore: isPlaceholder,
  },
  {
    id: 'github-pat',
    description: 'a GitHub personal access token',
    source: 'gitleaks github-pat',
    pattern: /\bghp_[0-9a-zA-Z]{36}\b/dg,
    keywords: ['ghp_'],
    minEntropy: 3,
  },
  {
    id: 'github-fine-grained-pat',
    description: 'a GitHub fine-grained personal access token',
    source: 'gitleaks github-fine-grained-pat',
    pattern: /\bgithub_pat_\w{82}\b/dg,
    keywords: ['github_pat_'],
    minEntropy: 3,
  },
  {
    id: 'github-oauth',
    description: 'a GitHub OAuth access token',
    source: 'gitleaks github-oauth',
    pattern: /\bgho_[0-9a-zA-Z]{36}\b/dg,
    keywords: ['gho_'],
    minEntropy: 3,
  },
  {
    id: 'github-app-token',
    description: 'a GitHub App token',
    source: 'gitleaks github-app-token',
    pattern: /\b(?:ghu|ghs)_[0-9a-zA-Z]{36}\b/dg,
    keywords: ['ghu_', 'ghs_'],
    minEntropy: 3,
  },
  {
    id: 'github-refresh-token',
    description: 'a GitHub refresh token',
    source: 'gitleaks github-refresh-token',
    pattern: /\bghr_[0-9a-zA-Z]{36}\b/dg,
    keywords: ['ghr_'],
    minEntropy: 3,
  },
  {
    id: 'gitlab-pat',
    description: 'a GitLab personal access token',
    source: 'gitleaks gitlab-pat, gitlab-pat-routable',
    pattern: /\bglpat-[\w-]{20,300}/dg,
    keywords: ['glpat-'],
    minEntropy: 3,
  },
  {
    id: 'slack-bot-token',
    description: 'a Slack bot token',
    source: 'gitleaks slack-bot-token',
    pattern: /\bxoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]{0,64}/dg,
    keywords: ['xoxb'],
  },
  {
    id: 'slack-user-token',
    description: 'a Slack user token',
    source: 'gitleaks slack-user-token',
    pattern: /\bxox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}/dg,
    keywords: ['xoxp-', 'xoxe-'],
  },
  {
    id: 'slack-legacy-token',
    description: 'a Slack legacy or workspace token',
    source: 'gitleaks slack-legacy-token, slack-legacy-workspace-token, slack-legacy-bot-token',
    pattern: /\bxox[aorsb]-(?:\d{1,20}-){1,4}[0-9a-zA-Z-]{8,72}/dg,
    keywords: ['xoxa-', 'xoxo-', 'xoxr-', 'xoxs-', 'xoxb-'],
  },
  {
    id: 'slack-app-token',
    description: 'a Slack app-level token',
    source: 'gitleaks slack-app-token',
    pattern: /\bxapp-\d-[A-Z0-9]{1,64}-\d{1,20}-[a-z0-9]{1,128}/dgi,
    keywords: ['xapp'],
  },
  {
    id: 'slack-webhook-url',
    description: 'a Slack incoming webhook URL',
    source: 'gitleaks slack-webhook-url',
    pattern: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/dg,
    keywords: ['hooks.slack.com'],
  },
  {
    id: 'stripe-access-token',
    description: 'a Stripe secret or restricted key',
    source: 'gitleaks stripe-access-token',
    pattern: /\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}\b/dg,
    keywords: ['sk_test', 'sk_live', 'sk_prod', 'rk_test', 'rk_live', 'rk_prod'],
    minEntropy: 2,
  },
  {
    id: 'gcp-api-key',
    description: 'a Google API key',
    source: 'gitleaks gcp-api-key',
    pattern: new RegExp(`\\bAIza[\\w-]{35}${END}`, 'dg'),
    keywords: ['aiza'],
    minEntropy: 3,
  },
  {
    id: 'anthropic-api-key',
    description: 'an Anthropic API key',
    source: 'gitleaks anthropic-api-key, anthropic-admin-api-key (any key version)',
    pattern: /\bsk-ant-[a-z]{3,8}\d{2}-[\w-]{32,300}/dg,
    keywords: ['sk-ant-'],
    minEntropy: 3,
  },
  {
    id: 'openai-api-key',
    description: 'an OpenAI API key',
    source: 'gitleaks openai-api-key (also without the T3BlbkFJ marker: project keys have changed length)',
    pattern:
      /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300}|[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}|[A-Za-z0-9]{48}(?![A-Za-z0-9_-]))/dg,
    keywords: ['sk-'],
    minEntropy: 3,
  },
  {
    id: 'huggingface-access-token',
    description: 'a Hugging Face access token',
    source: 'gitleaks huggingface-access-token',
    pattern: /\bhf_[a-zA-Z]{34}\b/dg,
    keywords: ['hf_'],
    minEntropy: 2,
  },
  {
    id: 'npm-access-token',
    description: 'an npm access token',
    source: 'gitleaks npm-access-token',
    pattern: new RegExp(`\\bnpm_[a-zA-Z0-9]{36}${END}`, 'dg'),
    keywords: ['npm_'],
    minEntropy: 2,
  },
  {
    id: 'sendgrid-api-token',
    description: 'a SendGrid API key',
    source: 'gitleaks sendgrid-api-token',
    pattern: /\bSG\.[\w-]{22}\.[\w-]{43}\b/dg,
    keywords: ['sg.'],
    minEntropy: 2,
  },
  {
    id: 'digitalocean-pat',
    description: 'a DigitalOcean access token',
    source: 'gitleaks digitalocean-pat, digitalocean-access-token, digitalocean-refresh-token',
    pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/dg,
    keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    minEntropy: 3,
  },
  {
    id: 'age-secret-key',
    description: 'an age encryption secret key',
    source: 'gitleaks age-secret-key',
    pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/dg,
    keywords: ['age-secret-key-1'],
  },
  {
    id: 'jwt',
    description: 'a JSON Web Token',
    source: 'gitleaks jwt',
    pattern: /\bey[a-zA-Z0-9]{17,4096}\.ey[a-zA-Z0-9/\\_-]{17,8192}\.(?:[a-zA-Z0-9/\\_-]{10,4096}={0,2})?/dg,
    keywords: ['ey'],
    minEntropy: 3,
  },
  {
    // The password of `scheme://user:password@host`; the user and host stay readable.
    id: 'url-credentials',
    description: 'a password in a URL',
    source: 'secretlint basicauth; gitleaks generic URL credentials',
    pattern:
      /\b[a-zA-Z][a-zA-Z0-9+.-]{1,19}:\/\/[^\s:/?#@"'`<>]{1,128}:([^\s/?#@"'`<>]{1,256})@[^\s/?#@"'`<>]/dg,
    keywords: ['://'],
    ignore: (value) => isPlaceholder(value) || /^(?:password|pass|pwd|secret|user|token)$/i.test(value),
  },
  {
    // gitleaks generic-api-key, narrowed to the assignment forms people write in documents, with
    // its entropy threshold; its value must also mix digits in (or be very random), because prose
    // such as "Token: refreshed hourly" is no secret.
    id: 'generic-secret',
    description: 'a password, secret, token or API key assigned a value',
    source: 'gitleaks generic-api-key (narrowed)',
    pattern:
      /(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credentials?)[\w.-]{0,20}["'`]{0,2}[ \t]{0,5}(?:=|:=|=>|\?=|:)[ \t]{0,5}["'`]?([^\s"'`,;]{8,200})/dgi,
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
    minEntropy: 3,
    ignore: (value) => isPlaceholder(value) || isWordLike(value),
  },
];
