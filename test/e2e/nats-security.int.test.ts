import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BusPermissionDeniedError } from '@autopilot/bus';
import { connectJetStreamBus } from '@autopilot/bus/jetstream';
import { BlueprintIngestedV1, SERVICES, type ServiceName } from '@autopilot/contracts';
import { gatewayService } from '@autopilot/gateway';
import { governanceService } from '@autopilot/governance';
import { ingestionService } from '@autopilot/ingestion';
import { managerService } from '@autopilot/manager';
import { plannerService } from '@autopilot/planner';
import { configSummary, createLogger, loadConfig, type ServiceDefinition } from '@autopilot/runtime';
import { startSingleService, type RunningTopology } from '@autopilot/runtime/topology';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { workerService } from '@autopilot/worker';
import { nkeys } from '@nats-io/transport-node';

/**
 * NATS authentication, TLS and the generated per-service permissions, on real nats-servers started
 * from config files this test writes: every key, certificate and JWT is made here.
 */

const definitions: Record<ServiceName, ServiceDefinition> = {
  ingestion: ingestionService,
  planner: plannerService,
  manager: managerService,
  worker: workerService,
  governance: governanceService,
  gateway: gatewayService,
};

const deployDir = resolve(__dirname, '..', '..', 'deploy');
const secret = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

/** A logger writing parsed JSON lines into memory, with the runtime's masking. */
function memoryLog(service: string): {
  logger: ReturnType<typeof createLogger>;
  lines: Record<string, unknown>[];
  text: () => string;
} {
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      partial += chunk.toString();
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return {
    logger: createLogger({ service, level: 'debug', destination }),
    lines,
    text: () => lines.map((l) => JSON.stringify(l)).join('\n'),
  };
}

/** A JWT signed the way nats-server checks it (ed25519 over `header.claims`, base64url). */
function signJwt(claims: Record<string, unknown>, issuer: ReturnType<typeof nkeys.createOperator>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ typ: 'JWT', alg: 'ed25519-nkey' })}.${part({
    jti: randomBytes(16).toString('hex').toUpperCase(),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    ...claims,
  })}`;
  return `${unsigned}.${Buffer.from(issuer.sign(Buffer.from(unsigned))).toString('base64url')}`;
}

describe('NATS authentication, TLS and permissions', () => {
  let dir: string;
  const servers: NatsServerHandle[] = [];
  const running: RunningTopology[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ap-nats-security-'));
  });
  afterAll(async () => {
    for (const r of running) await r.stop().catch(() => undefined);
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const server = async (config: string, env?: Record<string, string>): Promise<NatsServerHandle> => {
    const nats = await startNatsServer({
      configFile: file(`nats-${servers.length}.conf`, config),
      ...(env ? { env } : {}),
    });
    servers.push(nats);
    return nats;
  };

  /** Starts `service` with the settings in `env` (read by the runtime's loadConfig, as the CLI does). */
  const start = async (
    service: ServiceName,
    env: Record<string, string>,
  ): Promise<{ topology: RunningTopology; log: ReturnType<typeof memoryLog> }> => {
    const config = loadConfig(env);
    const log = memoryLog(service);
    const topology = await startSingleService({
      definition: definitions[service],
      natsUrls: config.natsUrls,
      ...(config.natsAuth ? { natsAuth: config.natsAuth } : {}),
      ...(config.natsTls ? { natsTls: config.natsTls } : {}),
      dir: join(dir, `${service}-${running.length}`),
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 50,
      logger: log.logger,
      maxRetryDelayMs: 200,
    });
    running.push(topology);
    return { topology, log };
  };

  const readyz = async (topology: RunningTopology): Promise<number> =>
    (await fetch(`${topology.url}/readyz`)).status;

  /** Starts the planner with `env`, waits until it is ready, checks no secret was printed, stops it. */
  const becomesReady = async (env: Record<string, string>, secrets: readonly string[]): Promise<void> => {
    const { topology, log } = await start('planner', env);
    // Ready, or fail with what the service logged (a refused connect would otherwise retry forever).
    await eventually(
      async () => {
        const status = await readyz(topology);
        if (status !== 200) throw new Error(`/readyz ${status}; the service logged:\n${log.text()}`);
      },
      { timeoutMs: 20_000 },
    );
    await topology.started;
    await topology.stop();
    for (const s of secrets) expect(log.text()).not.toContain(s);
  };

  describe('a service connects and becomes ready', () => {
    it('with user and password in NATS_URL', async () => {
      const password = secret('url-pw');
      const nats = await server(`authorization { users = [ { user: planner, password: "${password}" } ] }`);
      await becomesReady({ NATS_URL: `nats://planner:${password}@127.0.0.1:${nats.port}` }, [password]);
    }, 30_000);

    it('with NATS_USER and NATS_PASSWORD', async () => {
      const password = secret('settings-pw');
      const nats = await server(`authorization { users = [ { user: planner, password: "${password}" } ] }`);
      await becomesReady({ NATS_URL: nats.url, NATS_USER: 'planner', NATS_PASSWORD: password }, [password]);
    }, 30_000);

    it('with a token, in NATS_TOKEN and as the whole userinfo of NATS_URL', async () => {
      const token = secret('token');
      const nats = await server(`authorization { token: "${token}" }`);
      await becomesReady({ NATS_URL: nats.url, NATS_TOKEN: token }, [token]);
      await becomesReady({ NATS_URL: `nats://${token}@127.0.0.1:${nats.port}` }, [token]);
    }, 30_000);

    it('with an NKey seed file', async () => {
      const user = nkeys.createUser();
      const seed = Buffer.from(user.getSeed()).toString();
      const nats = await server(`authorization { users = [ { nkey: ${user.getPublicKey()} } ] }`);
      await becomesReady({ NATS_URL: nats.url, NATS_NKEY_SEED_FILE: file('planner.nk', `${seed}\n`) }, [
        seed,
      ]);
    }, 30_000);

    it('with a .creds file (operator mode, memory resolver)', async () => {
      const operator = nkeys.createOperator();
      const account = nkeys.createAccount();
      const user = nkeys.createUser();
      const operatorJwt = signJwt(
        { name: 'test-operator', sub: operator.getPublicKey(), nats: { type: 'operator', version: 2 } },
        operator,
      );
      const accountJwt = signJwt(
        {
          name: 'autopilot',
          sub: account.getPublicKey(),
          nats: {
            limits: {
              subs: -1,
              data: -1,
              payload: -1,
              imports: -1,
              exports: -1,
              wildcards: true,
              conn: -1,
              leaf: -1,
              mem_storage: -1,
              disk_storage: -1,
              streams: -1,
              consumer: -1,
            },
            type: 'account',
            version: 2,
          },
        },
        operator,
      );
      const userJwt = signJwt(
        {
          name: 'planner',
          sub: user.getPublicKey(),
          nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: 'user', version: 2 },
        },
        account,
      );
      const seed = Buffer.from(user.getSeed()).toString();
      const creds = file(
        'planner.creds',
        `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n` +
          `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
      );
      // JetStream in operator mode needs a system account.
      const system = nkeys.createAccount();
      const systemJwt = signJwt(
        { name: 'SYS', sub: system.getPublicKey(), nats: { type: 'account', version: 2 } },
        operator,
      );
      const nats = await server(
        `operator: "${operatorJwt}"\nsystem_account: ${system.getPublicKey()}\nresolver: MEMORY\n` +
          `resolver_preload: { ${account.getPublicKey()}: "${accountJwt}", ${system.getPublicKey()}: "${systemJwt}" }\n`,
      );
      await becomesReady({ NATS_URL: nats.url, NATS_CREDS_FILE: creds }, [seed]);
    }, 30_000);

    it('over TLS (tls://, a CA made here, a client certificate the server verifies)', async () => {
      const openssl = (...args: string[]): void => {
        execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'ignore' });
      };
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      openssl(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '1',
        '-subj',
        '/CN=test-ca',
      );
      for (const [name, ext] of [
        ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
        ['client', 'extendedKeyUsage=clientAuth\n'],
      ] as const) {
        openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
        file(`${name}.ext`, ext);
        openssl(
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          `${name}.pem`,
          '-days',
          '1',
          '-extfile',
          `${name}.ext`,
        );
      }
      const password = secret('tls-pw');
      const nats = await server(
        `tls { cert_file: "${join(dir, 'server.pem')}", key_file: "${join(dir, 'server.key')}", ` +
          `ca_file: "${join(dir, 'ca.pem')}", verify: true }\n` +
          `authorization { users = [ { user: planner, password: "${password}" } ] }`,
      );
      await becomesReady(
        {
          NATS_URL: `tls://planner:${password}@127.0.0.1:${nats.port}`,
          NATS_TLS_CA_FILE: join(dir, 'ca.pem'),
          NATS_TLS_CERT_FILE: join(dir, 'client.pem'),
          NATS_TLS_KEY_FILE: join(dir, 'client.key'),
        },
        [password],
      );
    }, 60_000);
  });

  it('wrong credentials: an error line naming the server and the credential kind, no secret, /readyz 503', async () => {
    const password = secret('right-pw');
    const wrong = secret('wrong-pw');
    const token = secret('wrong-token');
    const nats = await server(`authorization { users = [ { user: planner, password: "${password}" } ] }`);
    for (const [env, kind] of [
      [{ NATS_URL: nats.url, NATS_USER: 'planner', NATS_PASSWORD: wrong }, 'user/password (user "planner")'],
      [{ NATS_URL: `nats://${token}@127.0.0.1:${nats.port}` }, 'token'],
    ] as const) {
      const { topology, log } = await start('planner', env);
      const line = await eventually(() => {
        const found = log.lines.find(
          (l) => l['level'] === 'error' && /NATS refused the credentials/.test(String(l['msg'])),
        );
        expect(found).toBeDefined();
        return found as Record<string, unknown>;
      });
      expect(line['msg']).toContain(kind);
      expect(line['msg']).toContain('authentication failed, not a network problem');
      expect(line['auth']).toBe(kind);
      expect(line['servers']).toEqual([`nats://127.0.0.1:${nats.port}`]);
      // Not reported as unreachable, and not ready while refused.
      expect(log.lines.some((l) => /NATS unreachable/.test(String(l['msg'])))).toBe(false);
      expect(await readyz(topology)).toBe(503);
      await topology.stop();
      for (const s of [password, wrong, token]) expect(log.text()).not.toContain(s);
    }
  }, 30_000);

  it('credentials in NATS_URL and MONGO_URL appear in no log line, config summary or error', async () => {
    const natsPassword = secret('nats-url-pw');
    const mongoPassword = secret('mongo-url-pw');
    const nats = await server(`authorization { users = [ { user: planner, password: "${natsPassword}" } ] }`);
    const env = {
      NATS_URL: `nats://planner:${natsPassword}@127.0.0.1:${nats.port}`,
      // Nothing listens there: the store keeps retrying, its errors quoting the URL.
      MONGO_URL: `mongodb://autopilot:${mongoPassword}@127.0.0.1:1/x?serverSelectionTimeoutMS=100`,
    };
    const config = loadConfig(env);
    const log = memoryLog('planner');
    log.logger.info({ config: configSummary(config, [plannerService], env) }, 'config');
    const topology = await startSingleService({
      definition: plannerService,
      natsUrls: config.natsUrls,
      ...(config.natsAuth ? { natsAuth: config.natsAuth } : {}),
      ...(config.mongoUrl ? { mongoUrl: config.mongoUrl } : {}),
      dir: join(dir, 'secrets'),
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 50,
      logger: log.logger,
      maxRetryDelayMs: 100,
    });
    running.push(topology);
    await eventually(
      () => {
        expect(log.lines.some((l) => l['msg'] === 'bus connected')).toBe(true);
        expect(log.lines.some((l) => /^store not available at /.test(String(l['msg'])))).toBe(true);
        // Loading the MongoDB driver and its first failed server selection take seconds on a busy machine.
      },
      { timeoutMs: 20_000 },
    );
    const readiness = await (await fetch(`${topology.url}/readyz`)).text();
    await topology.stop();
    const summary = log.lines.find((l) => l['msg'] === 'config');
    expect(summary).toMatchObject({
      config: {
        natsUrls: [`nats://127.0.0.1:${nats.port}`],
        natsAuth: { kind: 'user', user: 'planner', password: '***' },
      },
    });
    expect(JSON.stringify(summary)).toContain('mongodb://autopilot:***@127.0.0.1:1/x');
    for (const text of [log.text(), readiness]) {
      expect(text).not.toContain(natsPassword);
      expect(text).not.toContain(mongoPassword);
    }
  }, 30_000);

  describe('the generated deploy permissions (deploy/nats-users.conf + nats-permissions.conf)', () => {
    const passwords = Object.fromEntries(SERVICES.map((s) => [s, secret(`${s}-pw`)])) as Record<
      ServiceName,
      string
    >;
    let nats: NatsServerHandle;
    beforeAll(async () => {
      const configDir = mkdtempSync(join(tmpdir(), 'ap-nats-deploy-'));
      const configFile = join(configDir, 'nats.conf');
      // nats-server resolves includes relative to the including file and takes no absolute path.
      writeFileSync(configFile, `include "${relative(configDir, join(deployDir, 'nats-users.conf'))}"\n`);
      nats = await startNatsServer({
        configFile,
        env: Object.fromEntries(SERVICES.map((s) => [`NATS_${s.toUpperCase()}_PASSWORD`, passwords[s]])),
      });
      servers.push(nats);
    }, 30_000);

    it('runs every service under its own user', async () => {
      const started = await Promise.all(
        SERVICES.map((s) => start(s, { NATS_URL: nats.url, NATS_USER: s, NATS_PASSWORD: passwords[s] })),
      );
      await Promise.all(started.map(({ topology }) => topology.started));
      for (const { topology } of started) expect(await readyz(topology)).toBe(200);
      for (const { topology } of started) await topology.stop();
    }, 60_000);

    it('carries a claim-checked event from its producer to a consumer, and its dead letter, under the grants', async () => {
      const ingestion = await connectJetStreamBus({
        servers: nats.url,
        source: 'ingestion',
        credentials: { kind: 'user', user: 'ingestion', password: passwords.ingestion },
        maxInlineBytes: 64,
        log: () => undefined,
      });
      const gateway = await connectJetStreamBus({
        servers: nats.url,
        source: 'gateway',
        credentials: { kind: 'user', user: 'gateway', password: passwords.gateway },
        log: () => undefined,
      });
      try {
        const seen: string[] = [];
        await gateway.subscribe(BlueprintIngestedV1, 'gateway-permissions-probe', async () => {
          seen.push('handled');
        });
        // Not a valid envelope: fetched from AP_PAYLOADS, then dead-lettered by the gateway's consumer.
        await ingestion.publishRaw(BlueprintIngestedV1.subject, 'x'.repeat(4096), {
          'Nats-Msg-Id': 'perm-probe-1',
        });
        const letters = await eventually(async () => {
          const found = await gateway.listDeadLetters({ consumer: 'gateway-permissions-probe' });
          expect(found).toHaveLength(1);
          return found;
        });
        expect(letters[0]).toMatchObject({
          code: 'BUS_MALFORMED_ENVELOPE',
          consumer: 'gateway-permissions-probe',
        });
        expect(seen).toEqual([]);
      } finally {
        await ingestion.close();
        await gateway.close();
      }
    }, 30_000);

    /** Starts the planner under `user`, expects its start to fail with a permission denial, returns it. */
    const refusedStart = async (
      env: Record<string, string>,
    ): Promise<{ denied: BusPermissionDeniedError; lines: Record<string, unknown>[]; text: string }> => {
      const { topology, log } = await start('planner', env);
      const err = await topology.started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BusPermissionDeniedError);
      expect(await readyz(topology)).toBe(503);
      await topology.stop();
      return { denied: err as BusPermissionDeniedError, lines: log.lines, text: log.text() };
    };

    it("a service under another service's user fails to start, naming the refused subject", async () => {
      const { denied, lines, text } = await refusedStart({
        NATS_URL: nats.url,
        NATS_USER: 'ingestion',
        NATS_PASSWORD: passwords.ingestion,
      });
      // The first thing the planner does is listen for its replies on _INBOX.planner: not ingestion's.
      expect(denied).toMatchObject({
        operation: 'subscribe',
        credential: 'user/password (user "ingestion")',
      });
      expect(denied.subject).toMatch(/^_INBOX\.planner\./);
      expect(denied.message).toMatch(
        /^NATS permission denied: this connection's user \(user\/password \(user "ingestion"\)\) may not subscribe on "_INBOX\.planner\./,
      );
      const line = lines.find(
        (l) =>
          l['level'] === 'error' &&
          String(l['msg']).startsWith('NATS permission denied: subscribe on "_INBOX.planner.'),
      );
      expect(line).toMatchObject({ operation: 'subscribe', auth: 'user/password (user "ingestion")' });
      expect(text).not.toContain(passwords.ingestion);
    }, 30_000);

    it('a service whose user lacks a grant it needs fails to start, naming the subject', async () => {
      const password = secret('narrow-pw');
      // The planner's generated permissions less one line: the consumer of blueprint.ingested.
      const generated = readFileSync(join(deployDir, 'nats-permissions.conf'), 'utf8');
      const grant = '"$JS.API.CONSUMER.CREATE.AP_EVENTS.*.ap.v1.evt.blueprint.ingested"';
      expect(generated).toContain(grant);
      const narrowed = generated
        .split('\n')
        .filter((line) => !line.trimStart().startsWith(grant))
        .join('\n');
      // Every permission variable must be used (nats-server refuses the file otherwise): a user each.
      const users = SERVICES.map(
        (s) =>
          `{ user: ${s}, password: "${s === 'planner' ? password : secret(s)}", ` +
          `permissions: $AUTOPILOT_${s.toUpperCase()}_PERMISSIONS }`,
      );
      const narrow = await server(`${narrowed}\nauthorization { users = [\n${users.join('\n')}\n] }\n`);
      const { denied, lines, text } = await refusedStart({
        NATS_URL: narrow.url,
        NATS_USER: 'planner',
        NATS_PASSWORD: password,
      });
      expect(denied).toMatchObject({ operation: 'publish', credential: 'user/password (user "planner")' });
      expect(denied.subject).toBe(
        '$JS.API.CONSUMER.CREATE.AP_EVENTS.planner-blueprint-ingested.ap.v1.evt.blueprint.ingested',
      );
      expect(denied.message).toContain(
        'binding consumer planner-blueprint-ingested to ap.v1.evt.blueprint.ingested',
      );
      const line = lines.find(
        (l) =>
          l['level'] === 'error' &&
          String(l['msg']).startsWith(`NATS permission denied: publish on "${denied.subject}"`),
      );
      expect(line).toMatchObject({
        operation: 'publish',
        subject: denied.subject,
        auth: 'user/password (user "planner")',
      });
      expect(text).not.toContain(password);
    }, 30_000);
  });
});
