import { loadConfig } from './config';
import { configSummary } from './config-summary';
import { defineSettings, setting } from '../settings';
import { MASK, maskSecrets, maskUrl } from './mask';

describe('maskUrl', () => {
  it.each([
    ['mongodb://admin:s3cr3t@db:27017/app', 'mongodb://admin:***@db:27017/app'],
    ['mongodb+srv://admin:s3cr3t@cluster.example.net/app', 'mongodb+srv://admin:***@cluster.example.net/app'],
    ['mongodb://admin:s3cr3t@h1:1,h2:2/app?replicaSet=rs', 'mongodb://admin:***@h1:1,h2:2/app?replicaSet=rs'],
    ['nats://user:pw@127.0.0.1:4222', 'nats://user:***@127.0.0.1:4222'],
    ['http://h/x?api_key=abc&keep=1', 'http://h/x?api_key=***&keep=1'],
    ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4222'],
    ['nats://s3cr3tToken@nats:4222', 'nats://***@nats:4222'],
    ['tls://nkeytoken@nats.example.net:4222', 'tls://***@nats.example.net:4222'],
    ['ws://tok@h:80,wss://tok2@h2:443', 'ws://***@h:80,wss://***@h2:443'],
    ['nats://a:b@h:1,nats://tok@h:2', 'nats://a:***@h:1,nats://***@h:2'],
    // Outside the NATS schemes a bare userinfo is a user name, not a secret.
    ['mongodb://reader@db:27017/x', 'mongodb://reader@db:27017/x'],
    ['plain text', 'plain text'],
  ])('%s → %s', (raw, masked) => {
    expect(maskUrl(raw)).toBe(masked);
  });
});

describe('maskSecrets', () => {
  it('masks values under secret-looking keys, at any depth, and passwords in URLs', () => {
    const masked = maskSecrets({
      apiKey: 'k-123',
      nested: { GITHUB_TOKEN: 'ghp_x', clientSecret: 'cs', password: 'pw', list: ['mongodb://a:b@h/db'] },
      mongoUrl: 'mongodb://a:b@h/db',
      port: 4000,
      emptyToken: '',
    });
    expect(masked).toEqual({
      apiKey: MASK,
      nested: { GITHUB_TOKEN: MASK, clientSecret: MASK, password: MASK, list: ['mongodb://a:***@h/db'] },
      mongoUrl: 'mongodb://a:***@h/db',
      port: 4000,
      emptyToken: '',
    });
  });
});

describe('maskSecrets on errors', () => {
  it('keeps an error readable (type, message, code) with credentials masked', () => {
    const err = Object.assign(new Error('cannot reach nats://s3cr3t@n:4222'), { code: 'CONNECTION_REFUSED' });
    const masked = maskSecrets({ err }) as unknown as { err: Record<string, unknown> };
    expect(masked.err).toMatchObject({
      type: 'Error',
      message: 'cannot reach nats://***@n:4222',
      code: 'CONNECTION_REFUSED',
    });
    expect(JSON.stringify(masked)).not.toContain('s3cr3t');
  });
});

describe('configSummary', () => {
  const modelService = {
    name: 'planner',
    settings: defineSettings({
      model: setting.text({ env: 'AUTOPILOT_PLANNER_MODEL', description: 'model' }),
      apiKey: setting.text({ env: 'OPENAI_API_KEY', description: 'key', secret: true }),
      calls: setting.wholeNumber({
        env: 'AUTOPILOT_PLANNER_MAX_LLM_CALLS',
        description: 'n',
        fallback: 20,
        min: 0,
      }),
    }),
  };

  it('never contains a secret from the environment', () => {
    const env = {
      MONGO_URL: 'mongodb://autopilot:Sup3rS3cret@db:27017/x',
      // One set of credentials for every server (different ones are refused: loadConfig's tests).
      NATS_URL: 'nats://svc:NatsPass@nats:4222,nats://svc:NatsPass@nats2:4222',
      AUTOPILOT_API_KEY: 'ak-live-123',
      AUTOPILOT_DIR: '/data',
      OPENAI_API_KEY: 'sk-live-456',
      AUTOPILOT_PLANNER_MODEL: 'gpt-test',
    };
    const tokenEnv = { NATS_URL: 'nats://NatsTok3n@nats2:4222' };
    const text = JSON.stringify([
      configSummary(loadConfig(env), [modelService], env),
      configSummary(loadConfig(tokenEnv), [modelService], tokenEnv),
    ]);
    expect(text).not.toContain('Sup3rS3cret');
    expect(text).not.toContain('NatsPass');
    expect(text).not.toContain('NatsTok3n');
    expect(text).not.toContain('ak-live-123');
    expect(text).not.toContain('sk-live-456');
    expect(text).toContain('mongodb://autopilot:***@db:27017/x');
    expect(text).toContain('"dir":"/data"');
  });

  it("shows each service's declared settings, defaults in words, and names undeclared AUTOPILOT_ variables", () => {
    const env = {
      AUTOPILOT_PLANNER_MODEL: 'gpt-test',
      OPENAI_API_KEY: 'sk-1',
      AUTOPILOT_PLANER_MODEL: 'typo',
    };
    const summary = configSummary(loadConfig(env), [modelService], env);
    expect(summary.services).toEqual({
      planner: {
        AUTOPILOT_PLANNER_MODEL: 'gpt-test',
        OPENAI_API_KEY: '***',
        AUTOPILOT_PLANNER_MAX_LLM_CALLS: '(default: 20)',
      },
    });
    expect(summary.unknownVariables).toEqual(['AUTOPILOT_PLANER_MODEL']);
  });
});

describe('maskUrl inside text', () => {
  it('masks every URL password in an error message', () => {
    expect(maskUrl('cannot reach mongodb://u:pw1@a:1 nor nats://v:pw2@b:2 (tried twice)')).toBe(
      'cannot reach mongodb://u:***@a:1 nor nats://v:***@b:2 (tried twice)',
    );
  });
});

describe('configSummary: NATS credentials', () => {
  it('shows the user and the files, never the password or the token', () => {
    const password = 'Sup3r-S3cret-nats';
    const env = { NATS_URL: `nats://planner:${password}@127.0.0.1:4222` };
    const summary = configSummary(loadConfig(env), [], env);
    expect(summary).toMatchObject({
      natsUrls: ['nats://127.0.0.1:4222'],
      natsAuth: { kind: 'user', user: 'planner', password: '***' },
    });
    const token = configSummary(loadConfig({ NATS_TOKEN: password }), [], {});
    expect(token).toMatchObject({ natsAuth: { kind: 'token', token: '***' } });
    expect(JSON.stringify([summary, token])).not.toContain(password);
  });
});
