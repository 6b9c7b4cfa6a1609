import { ConfigError } from '@autopilot/kernel';
import { CONFIG_DEFAULTS, loadConfig } from './config';

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
