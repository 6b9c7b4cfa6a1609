import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@autopilot/testing';
import { errors as natsErrors, nkeys } from '@nats-io/transport-node';
import type { BusLog } from '../log';
import { AUTH_REFUSAL_LOG_EVERY_MS, authRefusalLogger } from './connect';
import { isAuthRefusal, natsSecurity, NatsCredentialsError, permissionDenial } from './nats-auth';

describe('natsSecurity', () => {
  it('takes user:password@ and token@ out of the servers and labels them without the secret', () => {
    const user = natsSecurity(['nats://planner:s3cr3t@a:4222', 'nats://planner:s3cr3t@b:4222']);
    expect(user.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(user.label).toBe('user/password (user "planner")');
    expect(user.options.authenticator).toBeDefined();
    const token = natsSecurity('tls://t0ken@a:4222');
    expect(token).toMatchObject({ servers: ['tls://a:4222'], label: 'token, TLS', options: { tls: {} } });
    expect(JSON.stringify([user.servers, user.label, token.servers, token.label])).not.toMatch(
      /s3cr3t|t0ken/,
    );
  });

  it('refuses two sources of credentials, and credential files it cannot read, before connecting', () => {
    expect(() => natsSecurity('nats://u:p@a:4222', { kind: 'token', token: 't' })).toThrow(
      NatsCredentialsError,
    );
    expect(() => natsSecurity('nats://a:4222', { kind: 'creds', credsFile: '/nonexistent.creds' })).toThrow(
      'creds file /nonexistent.creds cannot be read',
    );
  });

  it('names an NKey by its public key, never its seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-nkey-'));
    try {
      const user = nkeys.createUser();
      const seedFile = join(dir, 'user.nk');
      writeFileSync(seedFile, Buffer.from(user.getSeed()));
      const { label } = natsSecurity('nats://a:4222', { kind: 'nkey', seedFile });
      expect(label).toBe(`NKey from ${seedFile} (public key ${user.getPublicKey()})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells a refusal of the credentials and a permission denial apart from other errors', () => {
    const refused = new natsErrors.AuthorizationError('Authorization Violation');
    expect(isAuthRefusal(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isAuthRefusal(new Error('ECONNREFUSED'))).toBe(false);
    const denial = natsErrors.PermissionViolationError.parse(
      'Permissions Violation for Publish to "ap.v1.evt.x"',
    );
    expect(permissionDenial(new Error('wrapped', { cause: denial }))).toMatchObject({
      operation: 'publish',
      subject: 'ap.v1.evt.x',
    });
  });
});

describe('authRefusalLogger', () => {
  it('logs the first refusal at error, then at most one error line per interval, counting the rest', () => {
    const clock = new FakeClock();
    const lines: [string, string, Record<string, unknown> | undefined][] = [];
    const log: BusLog = (level, msg, fields) => lines.push([level, msg, fields]);
    const refused = authRefusalLogger(log, clock, { auth: 'token' });
    const err = new natsErrors.AuthorizationError('Authorization Violation');
    refused({ attempt: 1 }, err);
    clock.advance(5_000);
    refused({ attempt: 2 }, err);
    clock.advance(AUTH_REFUSAL_LOG_EVERY_MS);
    refused({ attempt: 3 }, err);
    expect(lines.map(([level]) => level)).toEqual(['error', 'debug', 'error']);
    expect(lines[0]?.[1]).toBe(
      'NATS refused the credentials (token): authentication failed, not a network problem; retrying until the server accepts them',
    );
    expect(lines[2]?.[2]).toMatchObject({ attempt: 3, refusedAttempts: 2, auth: 'token' });
  });
});
