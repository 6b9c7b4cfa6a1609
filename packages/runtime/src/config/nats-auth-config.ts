import { readFileSync } from 'node:fs';
import { ConfigError } from '@autopilot/kernel';

/**
 * Who `autopilot service` is to NATS. The same shape as the JetStream bus's `NatsCredentials`
 * (declared here too: config must not load the NATS client). Files are paths: the bus reads them at
 * every connect, so a rotated seed or `.creds` file takes effect on the next reconnect.
 */
export type NatsAuthConfig =
  | { kind: 'user'; user: string; password: string }
  | { kind: 'token'; token: string }
  | { kind: 'nkey'; seedFile: string }
  | { kind: 'creds'; credsFile: string };

/** TLS towards NATS: the CA that signed the server's certificate, and a client certificate + key. */
export interface NatsTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Every NATS security variable `readNatsSecurity` reads. */
export const NATS_SECURITY_SETTING_NAMES = [
  'NATS_USER',
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'NATS_NKEY_SEED_FILE',
  'NATS_CREDS_FILE',
  'NATS_TLS_CA_FILE',
  'NATS_TLS_CERT_FILE',
  'NATS_TLS_KEY_FILE',
] as const;

type Read = (name: string) => string | undefined;

/**
 * Takes the credentials out of each NATS_URL entry (`nats://user:pass@host`, and a bare
 * `nats://token@host`, which NATS reads as a token): nats.js v3 ignores userinfo, so they are
 * passed as connect options, and the URLs that remain are safe to log.
 */
export function splitNatsUrlCredentials(urls: readonly string[]): {
  urls: string[];
  auth?: NatsAuthConfig;
} {
  const found = new Map<string, NatsAuthConfig>();
  const stripped = urls.map((raw) => {
    const url = new URL(raw);
    if (!url.username && !url.password) return raw;
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const auth: NatsAuthConfig = password ? { kind: 'user', user, password } : { kind: 'token', token: user };
    found.set(JSON.stringify(auth), auth);
    url.username = '';
    url.password = '';
    return url.toString();
  });
  if (found.size > 1) {
    throw new ConfigError('NATS_URL', 'its servers carry different credentials: give one set');
  }
  const auth = [...found.values()][0];
  return auth ? { urls: stripped, auth } : { urls: stripped };
}

/**
 * The NATS credentials and TLS settings, validated before anything connects: one kind of
 * credential at most, user and password together, certificate and key together, and every file
 * readable and of the right kind. A message names the variable and the path, never a file's content.
 */
export function readNatsSecurity(
  read: Read,
  fromUrl: NatsAuthConfig | undefined,
): { auth?: NatsAuthConfig; tls?: NatsTlsConfig } {
  const user = read('NATS_USER');
  const password = read('NATS_PASSWORD');
  const token = read('NATS_TOKEN');
  const seedFile = read('NATS_NKEY_SEED_FILE');
  const credsFile = read('NATS_CREDS_FILE');
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError(
      user === undefined ? 'NATS_USER' : 'NATS_PASSWORD',
      'NATS_USER and NATS_PASSWORD go together: set both or neither',
    );
  }
  const given = [
    ...(user !== undefined ? ['NATS_USER'] : []),
    ...(token !== undefined ? ['NATS_TOKEN'] : []),
    ...(seedFile !== undefined ? ['NATS_NKEY_SEED_FILE'] : []),
    ...(credsFile !== undefined ? ['NATS_CREDS_FILE'] : []),
  ];
  if (given.length > 1) {
    throw new ConfigError(
      given[1] as string,
      `only one NATS credential at a time, and ${given.join(', ')} are set`,
    );
  }
  if (given.length === 1 && fromUrl) {
    throw new ConfigError('NATS_URL', `carries credentials and ${given[0]} is set too: give them one way`);
  }
  let auth: NatsAuthConfig | undefined = fromUrl;
  if (user !== undefined && password !== undefined) auth = { kind: 'user', user, password };
  else if (token !== undefined) auth = { kind: 'token', token };
  else if (seedFile !== undefined) {
    const text = readable('NATS_NKEY_SEED_FILE', seedFile).trim();
    if (!/^SU[A-Z2-7]+$/.test(text)) {
      throw new ConfigError(
        'NATS_NKEY_SEED_FILE',
        `${seedFile} does not hold a user NKey seed (one line starting SU)`,
      );
    }
    auth = { kind: 'nkey', seedFile };
  } else if (credsFile !== undefined) {
    const text = readable('NATS_CREDS_FILE', credsFile);
    if (!text.includes('BEGIN NATS USER JWT') || !text.includes('BEGIN USER NKEY SEED')) {
      throw new ConfigError('NATS_CREDS_FILE', `${credsFile} does not hold a user JWT and its NKey seed`);
    }
    auth = { kind: 'creds', credsFile };
  }

  const tls: NatsTlsConfig = {};
  const caFile = read('NATS_TLS_CA_FILE');
  const certFile = read('NATS_TLS_CERT_FILE');
  const keyFile = read('NATS_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile === undefined ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE',
      'a TLS client certificate needs its key: set NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE together',
    );
  }
  if (caFile !== undefined) tls.caFile = pem('NATS_TLS_CA_FILE', caFile, 'CERTIFICATE');
  if (certFile !== undefined) tls.certFile = pem('NATS_TLS_CERT_FILE', certFile, 'CERTIFICATE');
  if (keyFile !== undefined) tls.keyFile = pem('NATS_TLS_KEY_FILE', keyFile, 'PRIVATE KEY');
  return {
    ...(auth ? { auth } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
}

function readable(setting: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(setting, `${file} cannot be read (${code})`);
  }
}

/** A PEM file holding at least one block of `kind` (`PRIVATE KEY` matches `RSA PRIVATE KEY`, `EC ...`). */
function pem(setting: string, file: string, kind: string): string {
  if (!new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(readable(setting, file))) {
    throw new ConfigError(setting, `${file} is not a PEM file holding a ${kind.toLowerCase()}`);
  }
  return file;
}
