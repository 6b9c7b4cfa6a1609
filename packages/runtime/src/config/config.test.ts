import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@autopilot/kernel';
import { CONFIG_DEFAULTS, loadConfig, readMaxMessageBytes } from './config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('falls back to the defaults on an empty environment', () => {
    expect(loadConfig({})).toEqual({
      natsUrls: [CONFIG_DEFAULTS.natsUrl],
      dir: '.autopilot',
      host: '127.0.0.1',
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      outboxIntervalMs: 250,
      inboxRetentionMs: 30 * 24 * 3_600_000,
      maxMessageBytes: 64 * 1024 * 1024,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NATS_URL: 'nats://a:4222, tls://b:4223',
      MONGO_URL: 'mongodb://u:p@h1:27017,h2:27017/x?replicaSet=rs',
      AUTOPILOT_DIR: '/var/lib/autopilot',
      AUTOPILOT_HOST: '0.0.0.0',
      PORT: '8080',
      LOG_LEVEL: 'DEBUG',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      AUTOPILOT_SHUTDOWN_TIMEOUT_MS: '2500',
      AUTOPILOT_OUTBOX_INTERVAL_MS: '50',
      AUTOPILOT_INBOX_RETENTION_MS: '86400000',
      AUTOPILOT_MAX_MESSAGE_BYTES: '16777216',
      AUTOPILOT_DUPLICATE_WINDOW_MS: '1000',
    });
    expect(config).toEqual({
      natsUrls: ['nats://a:4222', 'tls://b:4223'],
      mongoUrl: 'mongodb://u:p@h1:27017,h2:27017/x?replicaSet=rs',
      dir: '/var/lib/autopilot',
      host: '0.0.0.0',
      port: 8080,
      logLevel: 'debug',
      otlpEndpoint: 'http://jaeger:4318',
      shutdownTimeoutMs: 2500,
      outboxIntervalMs: 50,
      inboxRetentionMs: 86_400_000,
      maxMessageBytes: 16_777_216,
      duplicateWindowMs: 1000,
    });
  });

  it('accepts a NATS address without a scheme, as nats.js does', () => {
    expect(loadConfig({ NATS_URL: '127.0.0.1:4222' }).natsUrls).toEqual(['nats://127.0.0.1:4222']);
  });

  it('treats a blank variable as unset', () => {
    expect(loadConfig({ PORT: '  ', LOG_LEVEL: '' }).port).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc', /not a whole number/],
    ['PORT', '70000', /outside 0\.\.65535/],
    ['PORT', '-1', /not a whole number/],
    ['LOG_LEVEL', 'loud', /not one of trace, debug, info, warn, error, fatal/],
    ['NATS_URL', 'http://x:4222', /nats:\/\//],
    ['NATS_URL', ' , ', /no server/],
    ['MONGO_URL', 'postgres://u:hunter2@h/db', /mongodb:\/\//],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'jaeger:4318', /http:\/\//],
    ['AUTOPILOT_SHUTDOWN_TIMEOUT_MS', '0', /outside 1\.\./],
    ['AUTOPILOT_SHUTDOWN_TIMEOUT_MS', '1.5', /not a whole number/],
    ['AUTOPILOT_OUTBOX_INTERVAL_MS', 'soon', /not a whole number/],
    ['AUTOPILOT_INBOX_RETENTION_MS', '0', /outside 1\.\./],
    // Below 1 MiB even ordinary messages would be refused.
    ['AUTOPILOT_MAX_MESSAGE_BYTES', '65536', /outside 1048576\.\./],
    ['AUTOPILOT_DUPLICATE_WINDOW_MS', '0', /outside 1\.\./],
    ['AUTOPILOT_DUPLICATE_WINDOW_MS', '2m', /not a whole number/],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value, problem) => {
    const err = configError({ [name]: value });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.setting).toBe(name);
    expect(err.message).toMatch(new RegExp(`^${name}: `));
    expect(err.problem).toMatch(problem);
  });

  it('never repeats a bad MONGO_URL, which may hold a password', () => {
    expect(configError({ MONGO_URL: 'postgres://u:hunter2@h/db' }).message).not.toContain('hunter2');
  });
});

describe('readMaxMessageBytes', () => {
  it('reads AUTOPILOT_MAX_MESSAGE_BYTES as loadConfig does, and nothing else', () => {
    expect(readMaxMessageBytes({})).toBe(CONFIG_DEFAULTS.maxMessageBytes);
    // A command that needs no NATS is not failed by a NATS setting it never uses.
    expect(readMaxMessageBytes({ AUTOPILOT_MAX_MESSAGE_BYTES: '2097152', NATS_URL: 'http://x' })).toBe(
      2_097_152,
    );
    expect(() => readMaxMessageBytes({ AUTOPILOT_MAX_MESSAGE_BYTES: '65536' })).toThrow(ConfigError);
  });
});

describe('loadConfig: NATS credentials and TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ap-config-nats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('takes user and password, or a token, out of NATS_URL', () => {
    expect(
      loadConfig({ NATS_URL: 'nats://planner:p%40ss@a:4222,nats://planner:p%40ss@b:4222' }),
    ).toMatchObject({
      natsUrls: ['nats://a:4222', 'nats://b:4222'],
      natsAuth: { kind: 'user', user: 'planner', password: 'p@ss' },
    });
    expect(loadConfig({ NATS_URL: 'tls://s3cr3t@a:4222' })).toMatchObject({
      natsUrls: ['tls://a:4222'],
      natsAuth: { kind: 'token', token: 's3cr3t' },
    });
  });

  it('reads each kind of credential and the TLS files', () => {
    const seed = write('user.nk', 'SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY\n');
    const creds = write(
      'user.creds',
      '-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\nSUA\n------END USER NKEY SEED------\n',
    );
    const ca = write('ca.pem', '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n');
    const key = write('client.key', '-----BEGIN EC PRIVATE KEY-----\nMII\n-----END EC PRIVATE KEY-----\n');
    expect(loadConfig({ NATS_USER: 'u', NATS_PASSWORD: 'p' }).natsAuth).toEqual({
      kind: 'user',
      user: 'u',
      password: 'p',
    });
    expect(loadConfig({ NATS_TOKEN: 't' }).natsAuth).toEqual({ kind: 'token', token: 't' });
    expect(loadConfig({ NATS_NKEY_SEED_FILE: seed }).natsAuth).toEqual({ kind: 'nkey', seedFile: seed });
    expect(loadConfig({ NATS_CREDS_FILE: creds }).natsAuth).toEqual({ kind: 'creds', credsFile: creds });
    expect(
      loadConfig({ NATS_TLS_CA_FILE: ca, NATS_TLS_CERT_FILE: ca, NATS_TLS_KEY_FILE: key }).natsTls,
    ).toEqual({ caFile: ca, certFile: ca, keyFile: key });
  });

  it.each([
    [{ NATS_USER: 'u' }, 'NATS_PASSWORD: NATS_USER and NATS_PASSWORD go together'],
    [
      { NATS_TOKEN: 't', NATS_USER: 'u', NATS_PASSWORD: 'p' },
      'NATS_TOKEN: only one NATS credential at a time',
    ],
    [
      { NATS_URL: 'nats://u:p@a:4222', NATS_TOKEN: 't' },
      'NATS_URL: carries credentials and NATS_TOKEN is set too',
    ],
    [
      { NATS_URL: 'nats://u:p@a:4222,nats://u:q@b:4222' },
      'NATS_URL: its servers carry different credentials',
    ],
    [
      { NATS_CREDS_FILE: '/nonexistent/x.creds' },
      'NATS_CREDS_FILE: /nonexistent/x.creds cannot be read (ENOENT)',
    ],
    [
      { NATS_NKEY_SEED_FILE: '/nonexistent/x.nk' },
      'NATS_NKEY_SEED_FILE: /nonexistent/x.nk cannot be read (ENOENT)',
    ],
    [
      { NATS_TLS_CA_FILE: '/nonexistent/ca.pem' },
      'NATS_TLS_CA_FILE: /nonexistent/ca.pem cannot be read (ENOENT)',
    ],
    [
      { NATS_TLS_CERT_FILE: '/nonexistent/c.pem' },
      'NATS_TLS_KEY_FILE: a TLS client certificate needs its key',
    ],
  ])('refuses %j', (env, message) => {
    expect(configError(env).message).toContain(message);
  });

  it('names the file but never quotes it when its content is wrong', () => {
    const seed = write('bad.nk', 'not-a-seed-but-a-secret\n');
    const error = configError({ NATS_NKEY_SEED_FILE: seed });
    expect(error.message).toBe(
      `NATS_NKEY_SEED_FILE: ${seed} does not hold a user NKey seed (one line starting SU)`,
    );
    expect(configError({ NATS_CREDS_FILE: seed }).message).not.toContain('not-a-seed-but-a-secret');
  });
});
