/**
 * Secret-shaped test values, built from parts at run time so no secret-shaped literal is ever
 * committed (push protection and scanners would flag one). Deterministic: the same seed gives the
 * same values, and every value is random-looking enough to pass the rules' entropy thresholds.
 */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `n` characters of `alphabet` from a linear congruential sequence seeded by `seed`. */
export function pseudoRandom(seed: number, n: number, alphabet = ALNUM): string {
  let state = (seed * 2654435761) >>> 0 || 1;
  let out = '';
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out += alphabet[(state >>> 8) % alphabet.length];
  }
  return out;
}

/** One value per well-known kind of secret, as each would be pasted into a document. */
export interface FakeSecrets {
  readonly githubToken: string;
  readonly awsAccessKeyId: string;
  readonly awsSecretAccessKey: string;
  readonly openAiKey: string;
  readonly anthropicKey: string;
  readonly stripeKey: string;
  readonly slackToken: string;
  readonly gitlabToken: string;
  readonly googleApiKey: string;
  readonly npmToken: string;
  readonly jwt: string;
  /** A whole PEM block, BEGIN and END lines included. */
  readonly privateKeyPem: string;
  /** The base64 body lines of the PEM block (what must never leak, line by line). */
  readonly privateKeyLines: readonly string[];
  readonly password: string;
  readonly urlPassword: string;
}

export function fakeSecrets(seed = 1): FakeSecrets {
  const r = (n: number, k: number, alphabet?: string) => pseudoRandom(seed * 97 + k, n, alphabet);
  const lines = [0, 1, 2, 3, 4].map((i) => r(64, 20 + i, `${ALNUM}+/`));
  const begin = ['-----BEGIN', 'RSA', 'PRIVATE', 'KEY-----'].join(' ');
  const end = begin.replace('BEGIN', 'END');
  const b64url = (n: number, k: number) => r(n, k, `${ALNUM}_-`);
  return {
    githubToken: ['gh', 'p_', r(36, 1)].join(''),
    awsAccessKeyId: ['AK', 'IA', r(16, 2, UPPER32)].join(''),
    awsSecretAccessKey: r(40, 3, `${ALNUM}/+`),
    openAiKey: ['sk', '-proj-', b64url(74, 4), 'T3Blbk', 'FJ', b64url(74, 5)].join(''),
    anthropicKey: ['sk', '-ant-', 'api03-', b64url(93, 6), 'AA'].join(''),
    stripeKey: ['sk', '_live_', r(24, 7)].join(''),
    slackToken: ['xo', 'xb-', r(12, 8, '0123456789'), '-', r(12, 9, '0123456789'), '-', r(24, 10)].join(''),
    gitlabToken: ['gl', 'pat-', r(20, 11)].join(''),
    googleApiKey: ['AI', 'za', b64url(35, 12)].join(''),
    npmToken: ['np', 'm_', r(36, 13)].join(''),
    jwt: ['ey', r(30, 14), '.', 'ey', r(40, 15), '.', b64url(43, 16)].join(''),
    privateKeyPem: [begin, ...lines, end].join('\n'),
    privateKeyLines: lines,
    password: `${r(6, 17)}#${r(6, 18, '0123456789')}!${r(6, 19)}`,
    urlPassword: `${r(10, 30)}9${r(4, 31, '0123456789')}`,
  };
}
