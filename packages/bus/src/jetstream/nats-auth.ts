import { readFileSync } from 'node:fs';
import { AutopilotError } from '@autopilot/kernel';
import {
  credsAuthenticator,
  errors as natsErrors,
  nkeyAuthenticator,
  nkeys,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type ConnectionOptions,
} from '@nats-io/transport-node';

/**
 * How the bus proves who it is to NATS: one kind at a time. Secrets travel as values, files as
 * paths: a seed or `.creds` file is read again at every (re)connect, so a rotated file is picked
 * up without a restart.
 */
export type NatsCredentials =
  | { readonly kind: 'user'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly token: string }
  /** A user NKey: the file holds its seed (`SU…`). */
  | { readonly kind: 'nkey'; readonly seedFile: string }
  /** Operator mode: a `.creds` file holding the user JWT and its seed. */
  | { readonly kind: 'creds'; readonly credsFile: string };

/** TLS towards NATS. Any of it (or a `tls://` server) makes TLS required. */
export interface NatsTls {
  /** PEM of the CA that signed the server's certificate, when it is not a public one. */
  readonly caFile?: string;
  /** Client certificate and its key, for a server that verifies clients (`verify: true`). */
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** The credentials or TLS settings cannot be used: a file missing, unreadable or of the wrong kind. */
export class NatsCredentialsError extends AutopilotError {
  readonly code = 'BUS_NATS_CREDENTIALS';
}

/** What `natsSecurity` hands to the connect: servers without userinfo, and the options instead. */
export interface NatsSecurity {
  /** The servers with any `user:pass@` or `token@` removed: nats.js v3 ignores them, and logs quote these. */
  readonly servers: string[];
  readonly options: Pick<ConnectionOptions, 'authenticator' | 'tls'>;
  /** Which credential is in use, never its secret: `user/password (user "planner")`, `token`, ... */
  readonly label: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Splits credentials out of the server URLs (`nats://user:pass@host`, `nats://token@host`) and
 * turns them, or `credentials`, into nats.js authenticators; `tls` or a `tls://` server become
 * the `tls` option. Throws NatsCredentialsError when the two sources disagree or a file cannot be
 * read (checked now, so a wrong path fails the start instead of every connect attempt).
 */
export function natsSecurity(
  servers: string | readonly string[],
  credentials?: NatsCredentials,
  tls?: NatsTls,
): NatsSecurity {
  const list = typeof servers === 'string' ? [servers] : [...servers];
  const fromUrls = new Map<string, NatsCredentials>();
  const stripped: string[] = [];
  let tlsScheme = false;
  for (const raw of list) {
    const withScheme = SCHEME.test(raw) ? raw : `nats://${raw}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      // Not ours to judge: nats.js names a bad address; the userinfo, if any, is masked by the logs.
      stripped.push(raw);
      continue;
    }
    if (url.protocol === 'tls:' || url.protocol === 'wss:') tlsScheme = true;
    if (url.username || url.password) {
      const found = userinfoCredentials(decodeURIComponent(url.username), decodeURIComponent(url.password));
      fromUrls.set(JSON.stringify(found), found);
      url.username = '';
      url.password = '';
    }
    stripped.push(SCHEME.test(raw) ? url.toString().replace(/\/$/, '') : `${url.host}`);
  }
  if (fromUrls.size > 1) {
    throw new NatsCredentialsError('the NATS server URLs carry different credentials: give one set');
  }
  const urlCredentials = [...fromUrls.values()][0];
  if (urlCredentials && credentials) {
    throw new NatsCredentialsError(
      `the NATS server URLs carry credentials and ${labelOf(credentials)} was given too: give one`,
    );
  }
  const chosen = credentials ?? urlCredentials;
  const options: NatsSecurity['options'] = {};
  if (chosen) options.authenticator = authenticatorFor(chosen);
  if (tls || tlsScheme) {
    for (const [what, file] of [
      ['TLS CA file', tls?.caFile],
      ['TLS certificate file', tls?.certFile],
      ['TLS key file', tls?.keyFile],
    ] as const) {
      if (file !== undefined) readable(what, file);
    }
    if ((tls?.certFile === undefined) !== (tls?.keyFile === undefined)) {
      throw new NatsCredentialsError(
        'a TLS client certificate needs its key file, and a key its certificate',
      );
    }
    options.tls = {
      ...(tls?.caFile !== undefined ? { caFile: tls.caFile } : {}),
      ...(tls?.certFile !== undefined ? { certFile: tls.certFile } : {}),
      ...(tls?.keyFile !== undefined ? { keyFile: tls.keyFile } : {}),
    };
  }
  const label = chosen ? labelOf(chosen) : 'no credentials';
  return { servers: stripped, options, label: options.tls ? `${label}, TLS` : label };
}

/** NATS reads a userinfo with a password as user and password, and a bare one as a token. */
function userinfoCredentials(user: string, password: string): NatsCredentials {
  return password ? { kind: 'user', user, password } : { kind: 'token', token: user };
}

function authenticatorFor(credentials: NatsCredentials): NonNullable<ConnectionOptions['authenticator']> {
  switch (credentials.kind) {
    case 'user':
      return usernamePasswordAuthenticator(credentials.user, credentials.password);
    case 'token':
      return tokenAuthenticator(credentials.token);
    case 'nkey': {
      seedOf(credentials.seedFile);
      // A function: read at every connect, so a rotated seed file takes effect on reconnect.
      return nkeyAuthenticator(() => seedOf(credentials.seedFile));
    }
    case 'creds': {
      credsOf(credentials.credsFile);
      return credsAuthenticator(() => credsOf(credentials.credsFile));
    }
    default: {
      const never: never = credentials;
      throw new NatsCredentialsError(`unknown credential kind ${String(never)}`);
    }
  }
}

/** Which credential, for log lines and errors: names and paths, never a password, token or seed. */
export function labelOf(credentials: NatsCredentials): string {
  switch (credentials.kind) {
    case 'user':
      return `user/password (user "${credentials.user}")`;
    case 'token':
      return 'token';
    case 'nkey': {
      // The public key is public: it is what the server's config lists for this user.
      let publicKey = 'unreadable';
      try {
        publicKey = nkeys.fromSeed(seedOf(credentials.seedFile)).getPublicKey();
      } catch {
        // named as unreadable; the connect reports why
      }
      return `NKey from ${credentials.seedFile} (public key ${publicKey})`;
    }
    case 'creds':
      return `creds file ${credentials.credsFile}`;
    default: {
      const never: never = credentials;
      return String(never);
    }
  }
}

function readable(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new NatsCredentialsError(`${what} ${file} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function seedOf(file: string): Uint8Array {
  const text = readable('NKey seed file', file).toString('utf8').trim();
  // Never quote the content: it is the secret.
  if (!/^SU[A-Z2-7]+$/.test(text)) {
    throw new NatsCredentialsError(`NKey seed file ${file} does not hold a user seed (one line starting SU)`);
  }
  return new TextEncoder().encode(text);
}

function credsOf(file: string): Uint8Array {
  const bytes = readable('creds file', file);
  const text = bytes.toString('utf8');
  if (!text.includes('BEGIN NATS USER JWT') || !text.includes('BEGIN USER NKEY SEED')) {
    throw new NatsCredentialsError(`creds file ${file} does not hold a user JWT and its NKey seed`);
  }
  return new Uint8Array(bytes);
}

/** The server refused this connection's credentials (or they expired). */
export function isAuthRefusal(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof natsErrors.AuthorizationError || e instanceof natsErrors.UserAuthenticationExpiredError)
      return true;
  }
  return false;
}

/** The server's permission denial somewhere in `err`'s cause chain, if it is one. */
export function permissionDenial(
  err: unknown,
): InstanceType<typeof natsErrors.PermissionViolationError> | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof natsErrors.PermissionViolationError) return e;
  }
  return undefined;
}
